// aws-jwt-verify (pinned in package.json) on the stand-in's tokens: its CognitoJwtVerifier, with
// the keys loaded from the stand-in's JWKS (it fetches only over HTTPS from Cognito's own host).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CognitoJwtVerifier } from 'aws-jwt-verify'
import { base, clientId, configure, poolId, signIn } from './support.mjs'

const jwks = await (await fetch(`${base}/${poolId}/.well-known/jwks.json`)).json()

function verifier(props) {
  const v = CognitoJwtVerifier.create({ userPoolId: poolId, clientId, ...props })
  v.cacheJwks(jwks)
  return v
}

test('access and ID tokens verify, each against its own key', async () => {
  const tokens = await signIn('jwt.verify@example.com')
  const access = await verifier({ tokenUse: 'access' }).verify(tokens.AccessToken)
  assert.equal(access.token_use, 'access')
  assert.equal(access.client_id, clientId)
  const id = await verifier({ tokenUse: 'id' }).verify(tokens.IdToken)
  assert.equal(id.email, 'jwt.verify@example.com')
  const kid = (t) => JSON.parse(Buffer.from(t.split('.')[0], 'base64url')).kid
  assert.notEqual(kid(tokens.AccessToken), kid(tokens.IdToken))
  assert.equal(jwks.keys.length, 2)
})

test('the wrong token use, client or pool is refused', async () => {
  const tokens = await signIn('jwt.negative@example.com')
  await assert.rejects(verifier({ tokenUse: 'access' }).verify(tokens.IdToken), /token use/i)
  await assert.rejects(verifier({ tokenUse: 'id' }).verify(tokens.AccessToken), /token use/i)
  await assert.rejects(verifier({ tokenUse: 'access', clientId: 'another-client' }).verify(tokens.AccessToken), /client/i)
  const foreign = CognitoJwtVerifier.create({ userPoolId: 'eu-west-1_OtherPool1', clientId, tokenUse: 'access' })
  foreign.cacheJwks(jwks)
  await assert.rejects(foreign.verify(tokens.AccessToken), /issuer/i)
})

test('a tampered signature is refused', async () => {
  const { AccessToken } = await signIn('jwt.tampered@example.com')
  const [header, payload, signature] = AccessToken.split('.')
  const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1)
  await assert.rejects(verifier({ tokenUse: 'access' }).verify(`${header}.${payload}.${flipped}`), /signature/i)
  const claims = JSON.parse(Buffer.from(payload, 'base64url'))
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')
  await assert.rejects(verifier({ tokenUse: 'access' }).verify(`${header}.${forged}.${signature}`), /signature/i)
})

test('an expired token is refused', async () => {
  await configure({ access_token_validity_seconds: 1 })
  try {
    const { AccessToken } = await signIn('jwt.expired@example.com')
    await new Promise((resolve) => setTimeout(resolve, 2100))
    await assert.rejects(verifier({ tokenUse: 'access' }).verify(AccessToken), /expired/i)
  } finally {
    await configure({ access_token_validity_seconds: 3600 })
  }
})

test('a pool on the updated issuer format verifies too', async () => {
  await configure({ issuer_format: 'updated' })
  try {
    const { AccessToken } = await signIn('jwt.updated@example.com')
    const claims = await verifier({ tokenUse: 'access' }).verify(AccessToken)
    assert.equal(claims.iss, `https://issuer-cognito-idp.${poolId.split('_')[0]}.amazonaws.com/${poolId}`)
  } finally {
    await configure({ issuer_format: 'original' })
  }
})
