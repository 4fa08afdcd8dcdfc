// Amplify JS v6 (aws-amplify, pinned in package.json) in Node against the stand-in, as an app
// configures it for a user pool with a custom endpoint: passwordless sign-in (USER_AUTH with
// EMAIL_OTP), a wrong then the right code, the session, a forced refresh, the user's attributes,
// sign-out and global sign-out.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Amplify } from 'aws-amplify'
import {
  confirmSignIn,
  fetchAuthSession,
  fetchDevices,
  fetchUserAttributes,
  getCurrentUser,
  signIn,
  signOut,
} from 'aws-amplify/auth'
import { base, clientId, cognito, configure, createUser, latestCode, poolId } from './support.mjs'

const EMAIL = 'amplify.guest@example.com'

before(async () => {
  await configure({ refresh_rotation: true, refresh_retry_grace_seconds: 0 })
  await createUser(EMAIL)
  Amplify.configure({
    Auth: { Cognito: { userPoolId: poolId, userPoolClientId: clientId, userPoolEndpoint: base, loginWith: { email: true } } },
  })
})

after(async () => {
  await configure({ refresh_rotation: false })
})

async function signInWithCode() {
  const started = await signIn({
    username: EMAIL,
    options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' },
  })
  assert.equal(started.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE')
  return started
}

test('passwordless sign-in: a wrong code is refused, the right one signs in', async () => {
  await signInWithCode()
  await assert.rejects(confirmSignIn({ challengeResponse: '00000000' }), (e) => e.name === 'CodeMismatchException')
  const done = await confirmSignIn({ challengeResponse: await latestCode(EMAIL) })
  assert.equal(done.isSignedIn, true)
  assert.equal(done.nextStep.signInStep, 'DONE')
  const user = await getCurrentUser()
  assert.ok(user.userId)
})

test('the session, a forced refresh with rotation, attributes and devices', async () => {
  const session = await fetchAuthSession()
  assert.equal(session.tokens.accessToken.payload.token_use, 'access')
  assert.equal(session.tokens.idToken.payload.email, EMAIL)
  const refreshed = await fetchAuthSession({ forceRefresh: true })
  assert.notEqual(refreshed.tokens.accessToken.toString(), session.tokens.accessToken.toString())
  const attributes = await fetchUserAttributes()
  assert.equal(attributes.email, EMAIL)
  assert.deepEqual(await fetchDevices(), [])
})

test('sign-out revokes the refresh token', async () => {
  const before = await fetchAuthSession()
  await signOut()
  await assert.rejects(getCurrentUser())
  // Amplify revoked the session's refresh token at the pool: its access token opens nothing.
  await assert.rejects(cognito('GetUser', { AccessToken: before.tokens.accessToken.toString() }), /revoked/)
})

test('global sign-out right after a sign-in ends every session', async () => {
  await signInWithCode()
  await confirmSignIn({ challengeResponse: await latestCode(EMAIL) })
  const session = await fetchAuthSession()
  await signOut({ global: true })
  await assert.rejects(cognito('GetUser', { AccessToken: session.tokens.accessToken.toString() }), /revoked/)
})
