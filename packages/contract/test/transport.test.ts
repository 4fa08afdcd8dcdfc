// AgentCoreChatTransport on the real agent's answers (streams the agent's tests captured in
// target/agent/captured/), judged by each supported AI SDK major's own readUIMessageStream and
// uiMessageChunkSchema, and its session rules on scripted answers.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { UIMessage, UIMessageChunk } from 'ai'
import {
  AgentCoreChatTransport,
  GUEST_TOKEN_HEADER,
  SESSION_ID_HEADER,
  SessionStore,
  isTokenDeliveryEvent,
  sessionIdOf,
  type AgentTurn,
  type KeyValueStorage,
} from '../src/index.js'
import { captured } from './captured.js'

const agentDir = fileURLToPath(new URL('../../../../target/agent/captured/', import.meta.url))

/** A stream the agent's tests captured (`agent/tests`, run by scripts/test before this). */
function agentStream(name: string): string {
  try {
    return readFileSync(`${agentDir}${name}.sse`, 'utf8')
  } catch (e) {
    throw new Error(`no captured agent stream ${name}.sse in ${agentDir}: run the agent's tests first (scripts/test does) — ${String(e)}`)
  }
}

/** The `auth_tokens` event inside a captured stream (what the transport must keep from the chat). */
function eventIn(sse: string): Record<string, string> {
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data: ')) continue
    const chunk = JSON.parse(line.slice(6)) as { type: string; output?: unknown }
    if (chunk.type === 'tool-output-available' && isTokenDeliveryEvent(chunk.output)) return chunk.output as unknown as Record<string, string>
  }
  throw new Error('no auth_tokens event in the stream')
}

class MemoryStorage implements KeyValueStorage {
  readonly items = new Map<string, string>()
  getItem = (key: string) => this.items.get(key) ?? null
  setItem = (key: string, value: string) => void this.items.set(key, value)
  removeItem = (key: string) => void this.items.delete(key)
}

interface Sent {
  url: string
  headers: Record<string, string>
  body: string
}

type Answer = string | { status: number; body: string } | Error

/** A fetch that answers from a script and records each request. */
function scripted(answers: Answer[]) {
  const sent: Sent[] = []
  const fetch = (async (url: string, init: RequestInit) => {
    sent.push({ url, headers: init.headers as Record<string, string>, body: String(init.body) })
    const answer = answers.shift()
    if (answer === undefined) throw new Error(`unexpected request to ${url}`)
    if (answer instanceof Error) throw answer
    const { status, body } = typeof answer === 'string' ? { status: 200, body: answer } : answer
    return new Response(body, { status, headers: { 'content-type': url.includes('refresh') ? 'application/json' : 'text/event-stream' } })
  }) as typeof globalThis.fetch
  return { fetch, sent }
}

function transport(answers: Answer[]) {
  const store = new SessionStore(new MemoryStorage())
  const changes: unknown[] = []
  const { fetch, sent } = scripted(answers)
  const t = new AgentCoreChatTransport({
    api: 'http://agent.test/invocations',
    refreshUrl: 'http://functions.test/refresh',
    store,
    fetch,
    backoffMs: [0, 0, 0],
    onSessionChange: (s) => changes.push(s),
  })
  return { t, store, sent, changes }
}

const userMessage = (text: string): UIMessage => ({ id: `u-${text}`, role: 'user', parts: [{ type: 'text', text }] })

async function send(t: AgentCoreChatTransport, text: string, chatId = 'chat-1'): Promise<UIMessageChunk[]> {
  const stream = await t.sendMessages({ chatId, messages: [userMessage(text)], trigger: 'submit-message', messageId: undefined, abortSignal: undefined })
  const chunks: UIMessageChunk[] = []
  for await (const chunk of stream as unknown as AsyncIterable<UIMessageChunk>) chunks.push(chunk)
  return chunks
}

const streamOf = (chunks: UIMessageChunk[]) =>
  new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c)
      controller.close()
    },
  })

/** Each supported major, installed side by side (package.json: ai-v5, ai-v6 and ai, which is 7). */
const MAJORS = [
  ['ai-v5', 'ai 5'],
  ['ai-v6', 'ai 6'],
  ['ai', 'ai 7'],
] as const

for (const [major, label] of MAJORS) {
  test(`${label}: the agent's sign-in turns build the messages the guide's chat shows, with no token in them`, async () => {
    const sdk = (await import(major)) as typeof import('ai')
    const signedIn = agentStream('signed-in')
    const event = eventIn(signedIn)
    const { t, store, sent } = transport([agentStream('ask-email'), agentStream('code-sent'), signedIn, agentStream('reservations')])
    const schema = sdk.uiMessageChunkSchema()
    const turns: UIMessageChunk[][] = []
    for (const text of ['I want to book March 15-20', 'John Doe, demo.guest@example.com', '12345678', 'show my reservations']) {
      const chunks = await send(t, text)
      for (const chunk of chunks) {
        const checked = await schema.validate!(chunk)
        assert.ok(checked.success, `${label} refuses ${JSON.stringify(chunk)}`)
      }
      turns.push(chunks)
    }
    const messages: UIMessage[] = []
    for (const chunks of turns) {
      let last: UIMessage | undefined
      for await (const message of sdk.readUIMessageStream({ stream: streamOf(chunks) })) last = message as UIMessage
      assert.ok(last)
      messages.push(last)
    }
    const text = (m: UIMessage) => m.parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('')
    assert.match(text(messages[0]!), /email/)
    assert.match(text(messages[1]!), /verification code/)
    const verify = messages[2]!.parts.find((p) => p.type === 'tool-verify_otp') as { state: string; output: Record<string, unknown> } | undefined
    assert.equal(verify?.state, 'output-available')
    assert.equal(verify?.output.event_type, 'auth_tokens')
    assert.equal(verify?.output.access_token, undefined)
    const reservations = messages[3]!.parts.find((p) => p.type === 'tool-get_my_reservations') as { output: { reservations: unknown[] } } | undefined
    assert.equal(reservations?.output.reservations.length, 3)
    // Unique ids: every assistant message, and every tool call.
    assert.equal(new Set(messages.map((m) => m.id)).size, 4)
    // The session is stored; the chat state and every request body hold no token.
    assert.equal(store.get()?.accessToken, event.access_token)
    const everything = JSON.stringify(messages) + sent.map((s) => s.body).join('')
    for (const secret of [event.access_token, event.id_token, event.refresh_token]) assert.ok(!everything.includes(secret!))
    // No token before the auth_tokens event; the header after it.
    assert.deepEqual(sent.map((s) => s.headers[GUEST_TOKEN_HEADER] ?? null), [null, null, null, `Bearer ${event.access_token}`])
    assert.ok(sent.every((s) => s.headers[SESSION_ID_HEADER]!.length >= 33))
  })

  test(`${label}: an expiry in the guest's own conversation is renewed by the transport, in one message`, async () => {
    const sdk = (await import(major)) as typeof import('ai')
    const refreshed = captured('token-delivery-event-refresh')
    assert.ok(isTokenDeliveryEvent(refreshed))
    const expired = agentStream('expired-left-to-the-app')
    // The agent refused to refresh (it never does): no token in its answer.
    assert.ok(!expired.includes('auth_tokens'))
    const { t, store, sent } = transport([expired, JSON.stringify(refreshed), agentStream('reservations')])
    signedIn(store)
    const chunks = await send(t, 'show my reservations')
    let last: UIMessage | undefined
    for await (const message of sdk.readUIMessageStream({ stream: streamOf(chunks) })) last = message as UIMessage
    const tools = last!.parts.filter((p) => p.type.startsWith('tool-')).map((p) => p.type)
    assert.deepEqual(tools, ['tool-get_my_reservations', 'tool-refresh', 'tool-get_my_reservations'])
    assert.equal(store.get()?.accessToken, refreshed.access_token)
    assert.deepEqual(sent.map((s) => s.url), ['http://agent.test/invocations', 'http://functions.test/refresh', 'http://agent.test/invocations'])
  })
}

test("the agent's TOKEN_EXPIRED in a new conversation: the transport refreshes and the retry lists", async () => {
  const refreshed = captured('token-delivery-event-refresh')
  assert.ok(isTokenDeliveryEvent(refreshed))
  const { t, store, sent } = transport([agentStream('expired-left-to-the-app'), JSON.stringify(refreshed), agentStream('reservations')])
  signedIn(store)
  const chunks = await send(t, 'show my reservations')
  assert.deepEqual(
    sent.map((s) => s.url),
    ['http://agent.test/invocations', 'http://functions.test/refresh', 'http://agent.test/invocations'],
  )
  assert.equal(sent[2]!.headers[GUEST_TOKEN_HEADER], `Bearer ${refreshed.access_token}`)
  assert.equal(chunks.filter((c) => c.type === 'start').length, 1)
  assert.ok(chunks.some((c) => c.type === 'tool-output-available' && (c as { output: { reservations?: unknown[] } }).output.reservations?.length === 3))
})

const sse = (chunks: object[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')
let calls = 0
/** One agent turn that calls `tool` and streams `output`. */
function toolTurn(tool: string, output: unknown): string {
  const id = `call-${++calls}`
  return sse([
    { type: 'start', messageId: `msg-${id}` },
    { type: 'start-step' },
    { type: 'tool-input-available', toolCallId: id, toolName: tool, input: {} },
    { type: 'tool-output-available', toolCallId: id, output },
    { type: 'finish-step' },
    { type: 'finish' },
  ])
}

function signedIn(store: SessionStore) {
  const event = captured('token-delivery-event')
  assert.ok(isTokenDeliveryEvent(event))
  store.saveFromEvent(event)
  return event
}

test('a TOKEN_EXPIRED the agent did not recover from: one refresh, one retry, one message', async () => {
  const refreshed = captured('token-delivery-event-refresh')
  assert.ok(isTokenDeliveryEvent(refreshed))
  const expired = captured('failure-token-expired')
  const listed = captured('reservations-result')
  const { t, store, sent } = transport([toolTurn('get_my_reservations', expired), JSON.stringify(refreshed), toolTurn('get_my_reservations', listed)])
  const event = signedIn(store)
  const chunks = await send(t, 'show my reservations')
  assert.deepEqual(
    sent.map((s) => [s.url, s.headers[GUEST_TOKEN_HEADER] ?? null]),
    [
      ['http://agent.test/invocations', `Bearer ${event.access_token}`],
      ['http://functions.test/refresh', null],
      ['http://agent.test/invocations', `Bearer ${refreshed.access_token}`],
    ],
  )
  assert.deepEqual(JSON.parse(sent[1]!.body), { refresh_token: event.refresh_token })
  assert.equal(chunks.filter((c) => c.type === 'start').length, 1)
  assert.equal(chunks.filter((c) => c.type === 'finish').length, 1)
  assert.equal(chunks.at(-1)?.type, 'finish')
  assert.equal(store.get()?.accessToken, refreshed.access_token)
})

test('a second expiry after the retry is not retried again: back to sign-in', async () => {
  const refreshed = captured('token-delivery-event-refresh')
  const expired = captured('failure-token-expired')
  const { t, store, sent } = transport([toolTurn('get_my_reservations', expired), JSON.stringify(refreshed), toolTurn('get_my_reservations', expired)])
  signedIn(store)
  await send(t, 'show my reservations')
  assert.equal(sent.length, 3)
  assert.equal(store.get(), null)
})

test('a failed refresh drops the session', async () => {
  const { t, store, changes } = transport([toolTurn('get_my_reservations', captured('failure-token-expired')), JSON.stringify(captured('failure-refresh-failed'))])
  signedIn(store)
  await send(t, 'show my reservations')
  assert.equal(store.get(), null)
  assert.equal(changes.at(-1), null)
})

test('INVALID_TOKEN drops the session without a refresh', async () => {
  const { t, store, sent } = transport([toolTurn('get_my_reservations', captured('failure-invalid-token'))])
  signedIn(store)
  await send(t, 'show my reservations')
  assert.equal(store.get(), null)
  assert.equal(sent.length, 1)
})

test("the agent's sign-out ends the stored session", async () => {
  const { t, store } = transport([agentStream('signed-out')])
  signedIn(store)
  await send(t, 'sign me out')
  assert.equal(store.get(), null)
})

test("a sign-out in the chat revokes the page's own refresh token over HTTP too (rotation renewed it)", async () => {
  const store = new SessionStore(new MemoryStorage())
  const stale = { success: false, error_code: 'REFRESH_FAILED', message: 'Your session has ended.', retryable: false }
  for (const [label, answer] of [['the agent signed out', agentStream('signed-out')], ["the agent's copy was stale", toolTurn('sign_out', stale)]] as const) {
    const { fetch, sent } = scripted([answer, JSON.stringify({ success: true, access_token_revoked: true, global: false, message: 'x' })])
    const t = new AgentCoreChatTransport({ api: 'http://agent.test/invocations', refreshUrl: 'http://functions.test/refresh', signOutUrl: 'http://functions.test/sign-out', store, fetch, backoffMs: [0] })
    const event = signedIn(store)
    await send(t, 'sign me out')
    assert.deepEqual(sent.map((s) => s.url), ['http://agent.test/invocations', 'http://functions.test/sign-out'], label)
    assert.deepEqual(JSON.parse(sent[1]!.body), { refresh_token: event.refresh_token }, label)
    assert.equal(store.get(), null, label)
  }
})

test('signOut() calls the sign_out function with the session and drops it, even when that fails', async () => {
  const store = new SessionStore(new MemoryStorage())
  const { fetch, sent } = scripted([JSON.stringify({ success: true, access_token_revoked: true }), new TypeError('fetch failed'), new TypeError('fetch failed'), new TypeError('fetch failed'), new TypeError('fetch failed')])
  const t = new AgentCoreChatTransport({ api: 'http://agent.test/invocations', refreshUrl: 'http://functions.test/refresh', signOutUrl: 'http://functions.test/sign-out', store, fetch, backoffMs: [0, 0, 0] })
  const event = signedIn(store)
  assert.deepEqual(await t.signOut(), { success: true, access_token_revoked: true })
  assert.equal(sent[0]!.headers.authorization, `Bearer ${event.access_token}`)
  assert.deepEqual(JSON.parse(sent[0]!.body), { refresh_token: event.refresh_token })
  assert.equal(store.get(), null)
  signedIn(store)
  await assert.rejects(t.signOut())
  assert.equal(store.get(), null)
})

test('network errors and 5xx answers are retried with backoff', async () => {
  const { t, sent } = transport([new TypeError('fetch failed'), { status: 503, body: 'busy' }, agentStream('ask-email')])
  const chunks = await send(t, 'hello')
  assert.equal(sent.length, 3)
  assert.ok(chunks.some((c) => c.type === 'text-delta'))
})

test('an agent that stays down is an error chunk the chat shows', async () => {
  const { t } = transport([{ status: 503, body: '' }, { status: 503, body: '' }, { status: 503, body: '' }, { status: 503, body: '' }])
  const chunks = await send(t, 'hello')
  assert.deepEqual(
    chunks.map((c) => c.type),
    ['start', 'error', 'finish'],
  )
})

test('the session is stored and renewed without an onSessionChange listener', async () => {
  const event = captured('token-delivery-event')
  const refreshed = captured('token-delivery-event-refresh')
  assert.ok(isTokenDeliveryEvent(event) && isTokenDeliveryEvent(refreshed))
  const store = new SessionStore(new MemoryStorage())
  const expired = { success: false, error_code: 'TOKEN_EXPIRED', message: 'expired', retryable: true }
  const { fetch } = scripted([toolTurn('verify_otp', event), toolTurn('get_my_reservations', expired), JSON.stringify(refreshed), toolTurn('get_my_reservations', { success: true, reservations: [] })])
  const t = new AgentCoreChatTransport({ api: 'http://agent.test/invocations', refreshUrl: 'http://functions.test/refresh', store, fetch, backoffMs: [0] })
  await send(t, '12345678')
  assert.equal(store.get()?.accessToken, event.access_token)
  await send(t, 'show my reservations')
  assert.equal(store.get()?.accessToken, refreshed.access_token)
})

test('with `invoke`, each turn goes to the invoker: the session id, the token header once signed in, only the prompt in the body', async () => {
  const event = captured('token-delivery-event')
  assert.ok(isTokenDeliveryEvent(event))
  const store = new SessionStore(new MemoryStorage())
  const turns: AgentTurn[] = []
  const answers = [toolTurn('verify_otp', event), agentStream('ask-email')]
  const { fetch, sent } = scripted([])
  const t = new AgentCoreChatTransport({
    invoke: async (turn) => {
      turns.push(turn)
      return new Response(answers.shift() ?? '', { headers: { 'content-type': 'text/event-stream' } })
    },
    refreshUrl: 'http://functions.test/refresh',
    store,
    fetch,
    backoffMs: [0],
  })
  await send(t, '12345678', 'chat-7')
  await send(t, 'show my reservations', 'chat-7')
  assert.equal(sent.length, 0, 'no POST: the invoker carried both turns')
  assert.deepEqual(turns.map((turn) => turn.sessionId), [sessionIdOf('chat-7'), sessionIdOf('chat-7')])
  assert.equal(turns[0]?.headers[GUEST_TOKEN_HEADER], undefined)
  assert.equal(turns[1]?.headers[GUEST_TOKEN_HEADER], `Bearer ${event.access_token}`)
  assert.deepEqual(turns.map((turn) => JSON.parse(turn.body)), [{ prompt: '12345678' }, { prompt: 'show my reservations' }])
  for (const turn of turns) assert.ok(!turn.body.includes(event.access_token) && !turn.body.includes(event.refresh_token))
})

test("an invoker's 5xx answers and network errors are retried like a POST's", async () => {
  const answers: (Response | Error)[] = [new TypeError('fetch failed'), new Response('', { status: 503 }), new Response(agentStream('ask-email'))]
  let calls = 0
  const t = new AgentCoreChatTransport({
    invoke: async () => {
      calls++
      const answer = answers.shift()
      if (answer instanceof Error) throw answer
      return answer ?? new Response('', { status: 500 })
    },
    refreshUrl: 'http://functions.test/refresh',
    store: new SessionStore(new MemoryStorage()),
    backoffMs: [0, 0, 0],
  })
  const chunks = await send(t, 'hello')
  assert.equal(calls, 3)
  assert.ok(chunks.some((c) => c.type === 'text-delta'))
})

test('a transport with neither `invoke` nor `api` is refused when built', () => {
  assert.throws(
    () => new AgentCoreChatTransport({ refreshUrl: 'http://functions.test/refresh', store: new SessionStore(new MemoryStorage()) }),
    /needs `invoke`/,
  )
})
