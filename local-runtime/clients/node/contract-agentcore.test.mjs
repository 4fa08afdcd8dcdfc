// The contract package's AgentCore module (packages/contract/src/agentcore.ts, built by scripts/test
// before this runs) on AWS's JavaScript SDK v3 against the local Identity Pool, STS exchange and
// Runtime front door: the page's credentials as a guest, after sign-in (the same identity), after a
// merge (the surviving identity kept), after sign-out (a new guest identity), and each turn sent
// with InvokeAgentRuntime, the guest's token in the allowlisted header and never in the body.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { IdentityPoolCredentials, agentRuntimeInvoker } from '../../../packages/contract/dist/src/agentcore.js'
import { GUEST_TOKEN_HEADER, SessionStore } from '../../../packages/contract/dist/src/index.js'
import { authenticate } from './standin.mjs'

const env = process.env
const region = env.REGION
const endpoint = env.RUNTIME_URL
const config = {
  region,
  endpoint,
  identityPoolId: env.IDENTITY_POOL_ID,
  guestRoleArn: env.GUEST_ROLE,
  signedInRoleArn: env.SIGNED_IN_ROLE,
  userPoolProvider: env.PROVIDER,
}
const sessionId = `conversation-${'2'.repeat(24)}`

class MemoryStorage {
  items = new Map()
  getItem = (key) => this.items.get(key) ?? null
  setItem = (key, value) => void this.items.set(key, value)
  removeItem = (key) => void this.items.delete(key)
}

/** A page: its storage, session store, credentials and invoker, as the chat page builds them. */
function page(storage = new MemoryStorage()) {
  const sessions = new SessionStore(storage)
  const credentials = new IdentityPoolCredentials(config, sessions, storage)
  const invoke = agentRuntimeInvoker({ region, endpoint, agentRuntimeArn: env.RUNTIME_ARN, credentials: () => credentials.credentials() })
  return { storage, sessions, credentials, invoke }
}

/** One turn; the headers the agent behind the front door received, and the body it was sent. */
async function turn({ invoke, sessions }) {
  const session = sessions.get()
  const headers = { 'content-type': 'application/json' }
  if (session) headers[GUEST_TOKEN_HEADER] = `Bearer ${session.accessToken}`
  const response = await invoke({ sessionId, headers, body: JSON.stringify({ prompt: 'Any rooms in May?' }) })
  assert.equal(response.status, 200)
  const text = await response.text()
  assert.match(text, /data: \[DONE\]\n\n$/)
  return JSON.parse(text.split('\n')[0].slice('data: '.length)).headers
}

async function signIn(email) {
  const r = await authenticate(email)
  // The auth_tokens event as verify-otp delivers it (only the fields the store reads matter here).
  return { event: 'auth_tokens', guest_id: 'g-1', email, cognito_sub: 'sub', id_token: r.IdToken, access_token: r.AccessToken,
    refresh_token: r.RefreshToken, expires_in: r.ExpiresIn, token_type: 'Bearer' }
}

test('a guest chats with basic-flow credentials; the token header is absent until sign-in', async () => {
  const p = page()
  const received = await turn(p)
  assert.equal(received['x-amzn-bedrock-agentcore-runtime-session-id'], sessionId)
  assert.equal(received['x-guest-authorization'], undefined)
  const guest = p.credentials.identityId()
  assert.match(guest, /^eu-west-1:/)
  await turn(p)
  assert.equal(p.credentials.identityId(), guest, 'a second turn, the same identity')
})

test('signing in upgrades the same identity; the token travels in the allowlisted header, signed with it', async () => {
  const p = page()
  await turn(p)
  const guest = p.credentials.identityId()
  const event = await signIn('contract.upgrade@example.com')
  p.sessions.saveFromEvent(event)
  const received = await turn(p)
  assert.equal(received['x-guest-authorization'], `Bearer ${event.access_token}`)
  assert.equal(p.credentials.identityId(), guest, 'the guest identity, now linked to the login')
  // A reload: a new page on the same storage keeps the identity and the session.
  const reloaded = page(p.storage)
  await turn(reloaded)
  assert.equal(reloaded.credentials.identityId(), guest)
})

test('a second device signing in is merged into the first identity, and keeps that one', async () => {
  const first = page()
  await turn(first)
  const event = await signIn('contract.merge@example.com')
  first.sessions.saveFromEvent(event)
  await turn(first)
  const second = page()
  await turn(second)
  assert.notEqual(second.credentials.identityId(), first.credentials.identityId())
  second.sessions.saveFromEvent(event)
  await turn(second)
  assert.equal(second.credentials.identityId(), first.credentials.identityId(), 'the surviving identity')
})

test('after sign-out the page is a guest again, with a new identity', async () => {
  const p = page()
  const event = await signIn('contract.signout@example.com')
  p.sessions.saveFromEvent(event)
  await turn(p)
  const signedIn = p.credentials.identityId()
  p.sessions.clear()
  const received = await turn(p)
  assert.equal(received['x-guest-authorization'], undefined)
  assert.notEqual(p.credentials.identityId(), signedIn)
})

test("a refused ID token falls back to a guest's credentials (the agent then judges the guest's token)", async () => {
  const p = page()
  const event = await signIn('contract.refused@example.com')
  p.sessions.saveFromEvent({ ...event, id_token: `${event.id_token.slice(0, -4)}AAAA` })
  const received = await turn(p)
  assert.equal(received['x-guest-authorization'], `Bearer ${event.access_token}`)
})

test('an AWS refusal is an answer with its status, not a thrown error', async () => {
  const p = page()
  const invoke = agentRuntimeInvoker({ region, endpoint, agentRuntimeArn: env.RUNTIME_ARN, credentials: async () => ({
    ...(await p.credentials.credentials()), secretAccessKey: 'wrong-secret' }) })
  const response = await invoke({ sessionId, headers: {}, body: '{}' })
  assert.equal(response.status, 403)
  assert.deepEqual(await response.json(), { error: 'InvalidSignatureException' })
})
