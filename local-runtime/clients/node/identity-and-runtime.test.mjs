// AWS's JavaScript SDK v3 (pinned in package-lock.json) against the local Identity Pool, its STS
// exchange and the Runtime front door, as the chat page uses them: a guest's basic-flow
// credentials (GetId, GetOpenIdToken, then credential-providers' fromWebToken), the same identity
// signed in with the user pool's ID token (fromCognitoIdentity with Logins), the merge of another
// guest identity, and InvokeAgentRuntimeCommand streaming the agent's answer. Run by
// local-runtime/tests/aws_clients.rs with the endpoints in the environment (as the boto3 suite).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CognitoIdentityClient,
  GetIdCommand,
  GetOpenIdTokenCommand,
} from '@aws-sdk/client-cognito-identity'
import { fromCognitoIdentity, fromWebToken } from '@aws-sdk/credential-providers'
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore'
import { authenticate } from './standin.mjs'

const env = process.env
const region = env.REGION
const endpoint = env.RUNTIME_URL
const sessionId = `conversation-${'1'.repeat(24)}`
const identity = new CognitoIdentityClient({ region, endpoint })

async function guestIdentity() {
  return (await identity.send(new GetIdCommand({ IdentityPoolId: env.IDENTITY_POOL_ID }))).IdentityId
}

/** The basic flow: an OpenID token for the identity, exchanged for `roleArn` at STS. */
function basicFlow(identityId, roleArn, logins) {
  return async () => {
    const { Token } = await identity.send(new GetOpenIdTokenCommand({ IdentityId: identityId, Logins: logins }))
    return fromWebToken({ roleArn, webIdentityToken: Token, clientConfig: { region, endpoint } })()
  }
}

/** InvokeAgentRuntimeCommand with `credentials`; the guest header added before signing, as the
 * page's transport adds it. The answer's text. */
async function invoke(credentials, { session = sessionId, header } = {}) {
  const client = new BedrockAgentCoreClient({ region, endpoint, credentials, maxAttempts: 1 })
  client.middlewareStack.add(
    (next) => (args) => {
      if (header) args.request.headers['x-guest-authorization'] = header
      args.request.headers['x-not-allowlisted'] = 'dropped'
      return next(args)
    },
    { step: 'build', name: 'guestHeader' },
  )
  const out = await client.send(new InvokeAgentRuntimeCommand({
    agentRuntimeArn: env.RUNTIME_ARN,
    runtimeSessionId: session,
    contentType: 'application/json',
    accept: 'text/event-stream',
    payload: new TextEncoder().encode(JSON.stringify({ prompt: 'Any rooms in May?' })),
  }))
  return { out, text: await out.response.transformToString() }
}

async function idToken(email) {
  return (await authenticate(email)).IdToken
}

test('a guest invokes the runtime with basic-flow credentials and reads the streamed answer', async () => {
  const guest = await guestIdentity()
  const { out, text } = await invoke(basicFlow(guest, env.GUEST_ROLE), { header: 'Bearer not-checked-here' })
  assert.equal(out.contentType, 'text/event-stream')
  assert.equal(out.runtimeSessionId, sessionId)
  assert.match(text, /data: \[DONE\]\n\n$/)
  const received = JSON.parse(text.split('\n')[0].slice('data: '.length)).headers
  assert.equal(received['x-guest-authorization'], 'Bearer not-checked-here')
  assert.equal(received['x-amzn-bedrock-agentcore-runtime-session-id'], sessionId)
  for (const dropped of ['x-not-allowlisted', 'authorization', 'x-amz-security-token']) {
    assert.equal(received[dropped], undefined, dropped)
  }
})

test("a guest's enhanced-flow credentials are refused", async () => {
  const guest = await guestIdentity()
  const credentials = fromCognitoIdentity({ identityId: guest, clientConfig: { region, endpoint } })
  await assert.rejects(invoke(credentials), { name: 'AccessDeniedException' })
})

test('signing in keeps the identity, and another guest identity is merged into it', async () => {
  const logins = { [env.PROVIDER]: await idToken('node.identity@example.com') }
  const guest = await guestIdentity()
  const signedIn = fromCognitoIdentity({ identityId: guest, logins, clientConfig: { region, endpoint } })
  const credentials = await signedIn()
  assert.equal(credentials.identityId, guest, 'the same identity, now signed in')
  const { text } = await invoke(signedIn)
  assert.match(text, /data: \[DONE\]/)
  // The basic flow with the login assumes the signed-in role.
  await invoke(basicFlow(guest, env.SIGNED_IN_ROLE, logins))
  // The guest role refuses a signed-in token, as its trust policy says.
  await assert.rejects(invoke(basicFlow(guest, env.GUEST_ROLE, logins)), { name: 'AccessDenied' })
  // A second device's guest identity signing in: merged into the first. fromCognitoIdentity
  // reports the identity it was asked for, not the one GetCredentialsForIdentity answered, so a
  // page learns the merged identity from GetId with the login.
  const other = await guestIdentity()
  const merged = fromCognitoIdentity({ identityId: other, logins, clientConfig: { region, endpoint } })
  assert.equal((await merged()).identityId, other)
  await invoke(merged)
  const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: env.IDENTITY_POOL_ID, Logins: logins }))
  assert.notEqual(other, guest)
  assert.equal(IdentityId, guest)
})

test('the front door answers what AWS answers', async () => {
  const credentials = await basicFlow(await guestIdentity(), env.GUEST_ROLE)()
  await assert.rejects(invoke({ ...credentials, secretAccessKey: `x${credentials.secretAccessKey.slice(1)}` }), {
    name: 'InvalidSignatureException',
  })
  await assert.rejects(invoke({ ...credentials, accessKeyId: 'ASIAUNKNOWN000000000' }), {
    name: 'UnrecognizedClientException',
  })
  // The SDK fills a missing session id (an idempotency token) with one long enough.
  const { out } = await invoke(credentials, { session: undefined })
  assert.ok(out.runtimeSessionId.length >= 33, out.runtimeSessionId)
})
