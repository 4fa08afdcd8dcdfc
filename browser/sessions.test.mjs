// A session id is state, never identity, judged by chat clients nobody here wrote: the AI SDK's own
// DefaultChatTransport, and the contract package's AgentCoreChatTransport, against the agent on the
// whole local topology (topology.mjs). A guest signs in inside a conversation; a second caller who
// knows only its session id — with no token, an expired token of another guest, a forged token or a
// token of another pool — gets no booking, no token and no sign-out, while the guest's own next turn
// and a reloaded page with its stored token still work. The same attempts against the same agent
// with the binding switched off (AGENT_BIND_SESSIONS=false) succeed: the negative control.
import assert from 'node:assert/strict'
import { generateKeyPairSync, sign } from 'node:crypto'
import { after, before, test } from 'node:test'
import { DefaultChatTransport, UI_MESSAGE_STREAM_HEADERS } from 'ai'
import { build } from 'esbuild'
import { root, startTopology } from './topology.mjs'
import { turn } from './turn.mjs'

const SESSION_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id'
const TOKEN_HEADER = 'X-Guest-Authorization'

let topology
/** The same agent, with its sessions not bound to guests (the negative control). */
let unbound
/** The contract package (TypeScript source), bundled for Node as the page bundles it. */
let contract

before(async () => {
  topology = await startTopology({ logs: `${root}target/browser-sessions` })
  unbound = await topology.startAgent('unbound-agent', { AGENT_BIND_SESSIONS: 'false' })
  const bundled = await build({
    entryPoints: [`${root}packages/contract/src/index.ts`],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'error',
  })
  contract = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`)
})

after(async () => {
  await topology?.stop()
})

const standin = (path, init) => fetch(`${topology.standin}${path}`, init).then((r) => r.json())
const configurePool = (settings) => standin('/_config', { method: 'POST', body: JSON.stringify(settings) })
const latestCode = async (email) => (await standin(`/_inbox?email=${encodeURIComponent(email)}`)).messages.at(-1).code
const claims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
const unique = (name) => `${name}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.com`
async function outlive(token) {
  const wait = (claims(token).exp + 2.2) * 1000 - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}

class MemoryStorage {
  items = new Map()
  getItem = (key) => this.items.get(key) ?? null
  setItem = (key, value) => void this.items.set(key, value)
  removeItem = (key) => void this.items.delete(key)
}

const outputs = ({ chunks }) => chunks.filter((c) => c.type === 'tool-output-available').map((c) => c.output)
const text = ({ message }) => message.parts.filter((p) => p.type === 'text').map((p) => p.text).join('')

/** The page's own client: the contract's transport over an in-memory localStorage. */
function guestPage(agentUrl, storage = new MemoryStorage()) {
  const store = new contract.SessionStore(storage)
  const transport = new contract.AgentCoreChatTransport({ api: agentUrl, refreshUrl: topology.refreshUrl, signOutUrl: topology.signOutUrl, store, backoffMs: [0] })
  return { transport, store, storage, chatId: `chat-${crypto.randomUUID()}` }
}

/** The guide's sign-in inside the chat; the session the page stored. */
async function signIn(page, email) {
  await turn(page.transport, page.chatId, 'I want to book March 15-20')
  await turn(page.transport, page.chatId, `Jane Doe, ${email}`)
  await turn(page.transport, page.chatId, await latestCode(email))
  const session = page.store.get()
  assert.ok(session?.accessToken, 'signed in')
  return session
}

/** A stock AI SDK client that names the guest's conversation, with `token` in the guest header. */
function stranger(agentUrl, sessionId, token) {
  return new DefaultChatTransport({
    api: agentUrl,
    headers: { [SESSION_HEADER]: sessionId, ...(token ? { [TOKEN_HEADER]: `Bearer ${token}` } : {}) },
  })
}

/** What a second caller gets in the guest's conversation. */
async function hijack(agentUrl, sessionId, token, secrets) {
  const client = stranger(agentUrl, sessionId, token)
  const chatId = `stranger-${crypto.randomUUID()}`
  const listed = await turn(client, chatId, 'show my reservations')
  const signedOut = await turn(client, chatId, 'please sign me out')
  const all = [...outputs(listed), ...outputs(signedOut)]
  const seen = JSON.stringify([listed.chunks, signedOut.chunks])
  return {
    bookings: all.filter((o) => o?.success === true && Array.isArray(o.reservations)),
    tokens: all.some((o) => o?.event_type === 'auth_tokens') || secrets.some((s) => seen.includes(s)),
    signedOut: all.some((o) => o?.success === true && 'access_token_revoked' in o),
  }
}

/** A well-formed access token of `sub`, signed by a key of another pool. */
function ofAnotherPool(token) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const c = claims(token)
  const body = { ...c, iss: c.iss.replace(/_[A-Za-z0-9]+$/, '_Another1'), exp: Math.floor(Date.now() / 1000) + 3600 }
  const signed = `${b64({ alg: 'RS256', kid: 'another-pool-key', typ: 'JWT' })}.${b64(body)}`
  return `${signed}.${sign('sha256', Buffer.from(signed), privateKey).toString('base64url')}`
}

/** The guest's token with another subject and the original signature. */
function forged(token) {
  const [header, , signature] = token.split('.')
  return `${header}.${b64({ ...claims(token), sub: 'someone-else' })}.${signature}`
}

/** An access token of another guest, signed in elsewhere, that has expired. */
async function expiredOfAnotherGuest(agentUrl) {
  await configurePool({ access_token_validity_seconds: 3 })
  let session
  try {
    session = await signIn(guestPage(agentUrl), unique('other'))
  } finally {
    await configurePool({ access_token_validity_seconds: 3600 })
  }
  await outlive(session.accessToken)
  return session.accessToken
}

const ATTEMPTS = [
  ['no token', async () => null],
  ['an expired token of another guest', async (agentUrl) => expiredOfAnotherGuest(agentUrl)],
  ['a forged token', async (_, guest) => forged(guest.accessToken)],
  ['a token of another pool', async (_, guest) => ofAnotherPool(guest.accessToken)],
]

test('the agent answers with the AI SDK UI message stream: its content type and the [DONE] end', async () => {
  const response = await fetch(topology.agentUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SESSION_HEADER]: `session-${crypto.randomUUID()}` },
    body: JSON.stringify({ prompt: 'hello' }),
  })
  assert.equal(response.headers.get('content-type'), UI_MESSAGE_STREAM_HEADERS['content-type'])
  assert.equal(response.headers.get('x-vercel-ai-ui-message-stream'), UI_MESSAGE_STREAM_HEADERS['x-vercel-ai-ui-message-stream'])
  const events = (await response.text()).split('\n\n').filter(Boolean)
  assert.equal(events.at(-1), 'data: [DONE]')
  assert.equal(events.filter((e) => e === 'data: [DONE]').length, 1)
})

for (const [name, attempt] of ATTEMPTS) {
  test(`a second caller with the session id and ${name} gets no booking, no token and no sign-out`, async () => {
    const page = guestPage(topology.agentUrl)
    const guest = await signIn(page, unique('guest'))
    const sessionId = contract.sessionIdOf(page.chatId)
    const got = await hijack(topology.agentUrl, sessionId, await attempt(topology.agentUrl, guest), [guest.accessToken, guest.refreshToken, guest.idToken])
    assert.deepEqual(got, { bookings: [], tokens: false, signedOut: false })

    // The guest's own next turn works, and so does a reloaded page (a new chat, the stored session).
    const own = await turn(page.transport, page.chatId, 'show my reservations')
    assert.equal(outputs(own).find((o) => 'reservations' in o)?.success, true)
    const reloaded = guestPage(topology.agentUrl, page.storage)
    const again = await turn(reloaded.transport, reloaded.chatId, 'show my reservations')
    assert.equal(outputs(again).find((o) => 'reservations' in o)?.success, true)
    // The sign-out the stranger could not do, the guest can.
    const out = await turn(page.transport, page.chatId, 'please sign me out')
    assert.equal(outputs(out).find((o) => 'access_token_revoked' in o)?.success, true)
    assert.equal(page.store.get(), null)
  })

  test(`negative control: with the binding off, the same caller with ${name} signs the guest out`, async () => {
    const page = guestPage(unbound.url)
    const guest = await signIn(page, unique('unbound'))
    const got = await hijack(unbound.url, contract.sessionIdOf(page.chatId), await attempt(unbound.url, guest), [guest.accessToken, guest.refreshToken, guest.idToken])
    assert.ok(got.signedOut || got.tokens, JSON.stringify(got))
  })
}

test("the demo guest's bookings reach only the guest's turns; with the binding off a stranger reads them", async () => {
  const bound = guestPage(topology.agentUrl)
  const guest = await signIn(bound, topology.demoEmail)
  const strangerTurn = await turn(stranger(topology.agentUrl, contract.sessionIdOf(bound.chatId), null), 'x', 'show my reservations')
  assert.equal(outputs(strangerTurn).find((o) => 'error_code' in o)?.error_code, 'AUTH_REQUIRED')
  assert.match(text(strangerTurn), /sign you in/)
  const own = await turn(bound.transport, bound.chatId, 'show my reservations')
  assert.equal(outputs(own).find((o) => 'reservations' in o)?.reservations.length, 3)
  assert.ok(guest.accessToken)

  const open = guestPage(unbound.url)
  await signIn(open, unique('unbound-bookings'))
  const read = await turn(stranger(unbound.url, contract.sessionIdOf(open.chatId), null), 'y', 'show my reservations')
  assert.equal(outputs(read).find((o) => 'reservations' in o)?.success, true, 'the control reads the guest’s bookings')
})

test('an expired conversation streams tokens to nobody; with the binding off, to a stranger', async () => {
  for (const [agentUrl, leaks] of [[topology.agentUrl, false], [unbound.url, true]]) {
    const page = guestPage(agentUrl)
    await configurePool({ access_token_validity_seconds: 3 })
    let guest
    try {
      guest = await signIn(page, unique('expiring'))
    } finally {
      await configurePool({ access_token_validity_seconds: 3600 })
    }
    await outlive(guest.accessToken)
    const got = await turn(stranger(agentUrl, contract.sessionIdOf(page.chatId), null), 'z', 'show my reservations')
    assert.equal(outputs(got).some((o) => o?.event_type === 'auth_tokens'), leaks, agentUrl)
  }
})

test("AgentCoreChatTransport with a forged stored session in the guest's chat gets nothing and drops it", async () => {
  const page = guestPage(topology.agentUrl)
  const guest = await signIn(page, unique('victim'))
  const attacker = guestPage(topology.agentUrl)
  attacker.store.saveFromEvent({
    event_type: 'auth_tokens', success: true, access_token: forged(guest.accessToken), id_token: 'x', refresh_token: 'r',
    expires_in: 3600, guest_id: 'GST-0', email: 'x@example.com', cognito_sub: 'someone-else',
  })
  const got = await turn(attacker.transport, page.chatId, 'show my reservations')
  assert.ok(!outputs(got).some((o) => o?.success === true && 'reservations' in o))
  assert.equal(attacker.store.get(), null, 'back to sign-in')
  assert.equal(outputs(await turn(page.transport, page.chatId, 'show my reservations')).find((o) => 'reservations' in o)?.success, true)
})

test("with refresh-token rotation, a sign-out in the chat still revokes the page's current refresh token", async () => {
  await configurePool({ refresh_rotation: true, access_token_validity_seconds: 3 })
  try {
    const page = guestPage(topology.agentUrl)
    const first = await signIn(page, unique('rotating'))
    await outlive(first.accessToken)
    // The page renews over HTTP: a new refresh token, and the agent's copy from the sign-in is stale.
    await turn(page.transport, page.chatId, 'show my reservations')
    const current = page.store.get()
    assert.notEqual(current.refreshToken, first.refreshToken)
    await turn(page.transport, page.chatId, 'please sign me out')
    assert.equal(page.store.get(), null)
    const after = await fetch(topology.refreshUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: current.refreshToken }) })
    assert.equal((await after.json()).error_code, 'REFRESH_FAILED')
  } finally {
    await configurePool({ refresh_rotation: false, access_token_validity_seconds: 3600 })
  }
})
