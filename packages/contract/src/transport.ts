// An AI SDK `ChatTransport` for the booking agent on AgentCore Runtime's contract (agent/): it sends
// only the new message, with the conversation's session id and, once signed in, the guest's access
// token in a header — to AgentCore Runtime with AWS's own client (`invoke`, see agentcore.ts), or by
// a plain POST to an `/invocations` URL (`api`); it turns the agent's SSE answer into UI message
// chunks for the SDK's chat state; and it follows the session rules:
// - no authenticated request before an `auth_tokens` event delivered a session;
// - that event is stored (SessionStore) and reaches the chat state without its tokens, so no later
//   request body, message history or rendered part holds one;
// - a TOKEN_EXPIRED the agent did not recover from is refreshed once (the refresh function over
//   HTTP) and the message retried once, in the same assistant message;
// - INVALID_TOKEN, AUTH_REQUIRED or a failed refresh drop the session: back to sign-in;
// - a sign-out in the chat also revokes the page's own refresh token over HTTP (`signOutUrl`);
// - network errors and 5xx answers are retried with backoff.
// `ai` is a peer dependency (majors 5, 6 and 7 are tested); only its types are imported.
import type { ChatTransport, UIMessage, UIMessageChunk } from 'ai'
import { isSignedOut, isTokenDeliveryEvent, isToolFailure, needsRefresh, needsSignIn } from './guards.js'
import { GUEST_TOKEN_HEADER, SECRET_OUTPUT_FIELDS, type TokenDeliveryEvent } from './generated.js'
import type { Session, SessionStore } from './session.js'
import { sseData } from './stream.js'

export const SESSION_ID_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id'
export { GUEST_TOKEN_HEADER }
/** The token fields the chat state never gets: the contract types' secret answer fields. */
export const TOKEN_FIELDS = SECRET_OUTPUT_FIELDS

/** One turn for the agent: its session id, the headers the agent reads (the session id header,
 * `content-type`, and the guest-token header once signed in) and the JSON body. */
export interface AgentTurn {
  sessionId: string
  headers: Record<string, string>
  body: string
  signal?: AbortSignal
}

/** Sends a turn and answers with the agent's SSE stream as a `Response` (a status of 5xx or a
 * thrown network error is retried with backoff, like a POST). */
export type AgentInvoker = (turn: AgentTurn) => Promise<Response>

export interface AgentCoreTransportOptions {
  /** How a turn reaches the agent: `agentRuntimeInvoker` (agentcore.ts) calls AgentCore Runtime's
   * InvokeAgentRuntime with Identity Pool credentials. Without it, turns are POSTed to `api`. */
  invoke?: AgentInvoker
  /** The agent's `/invocations` URL, for an agent reached directly (local development). */
  api?: string
  /** The `refresh` function over HTTP (a function URL or API route). */
  refreshUrl: string
  /** The `sign_out` function over HTTP, for `signOut()` (a sign-out button: a conversation that
   * did not sign the guest in holds no refresh token to sign out with). */
  signOutUrl?: string
  store: SessionStore
  fetch?: typeof globalThis.fetch
  sessionIdHeader?: string
  tokenHeader?: string
  /** Waits before each retry of a request that failed on the network or with a 5xx. */
  backoffMs?: readonly number[]
  /** Called when a session is stored or dropped. */
  onSessionChange?: (session: Session | null) => void
}

type Chunk = UIMessageChunk & { type: string }
type SendOptions<M extends UIMessage> = Parameters<ChatTransport<M>['sendMessages']>[0]

/** AgentCore Runtime wants session ids of at least 33 characters; AI SDK chat ids are shorter. */
export function sessionIdOf(chatId: string): string {
  return chatId.length >= 33 ? chatId : `chat-session-${chatId}`.padEnd(33, '0')
}

/** The text of the last user message: the agent keeps the history, so only that is sent. */
export function lastUserText(messages: readonly UIMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    if (message?.role !== 'user') continue
    return message.parts
      .filter((p): p is Extract<typeof p, { type: 'text' }> => p.type === 'text')
      .map((p) => p.text)
      .join(' ')
      .trim()
  }
  return ''
}

/** A tool output as the chat state may keep it: without tokens. */
export function withoutTokens(output: unknown): unknown {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return output
  const kept: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(output)) if (!(TOKEN_FIELDS as readonly string[]).includes(k)) kept[k] = v
  return kept
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true })
  })

export class AgentCoreChatTransport<M extends UIMessage = UIMessage> implements ChatTransport<M> {
  private readonly fetch: typeof globalThis.fetch
  private readonly backoff: readonly number[]

  private readonly invoke: AgentInvoker

  constructor(private readonly options: AgentCoreTransportOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.backoff = options.backoffMs ?? [250, 500, 1000]
    const { invoke, api } = options
    if (invoke) this.invoke = invoke
    else if (api) this.invoke = (turn) => this.fetch(api, { method: 'POST', headers: turn.headers, body: turn.body, signal: turn.signal })
    else throw new TypeError('AgentCoreChatTransport needs `invoke` (AgentCore Runtime) or `api` (an /invocations URL)')
  }

  async sendMessages(options: SendOptions<M>): Promise<ReadableStream<UIMessageChunk>> {
    const text = lastUserText(options.messages)
    const sessionId = sessionIdOf(options.chatId)
    const signal = options.abortSignal
    return new ReadableStream<UIMessageChunk>({
      start: async (controller) => {
        try {
          await this.turn(text, sessionId, signal, (chunk) => controller.enqueue(chunk))
          controller.close()
        } catch (error) {
          controller.error(error)
        }
      },
    })
  }

  /** Sign out over HTTP (revokes the refresh token, and the access token it sends) and drop the
   * session; the session is dropped even when the call fails. The function's answer, if any. */
  async signOut(): Promise<unknown> {
    const session = this.options.store.get()
    if (!session || !this.options.signOutUrl) {
      this.drop()
      return null
    }
    try {
      const response = await this.post(
        this.options.signOutUrl,
        { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` },
        JSON.stringify({ refresh_token: session.refreshToken }),
        undefined,
      )
      return await response.json().catch(() => null)
    } finally {
      this.drop()
    }
  }

  /** The agent keeps no resumable streams. */
  async reconnectToStream(): Promise<ReadableStream<UIMessageChunk> | null> {
    return null
  }

  private async turn(text: string, sessionId: string, signal: AbortSignal | undefined, emit: (chunk: UIMessageChunk) => void) {
    const first = await this.ask(text, sessionId, signal, emit, false)
    // Refresh once and retry once; a failed refresh has dropped the session, a second expiry too.
    if (first.outcome === 'expired' && (await this.refresh(signal))) {
      const retried = await this.ask(text, sessionId, signal, emit, true)
      if (retried.outcome === 'expired') this.drop()
    }
    emit({ type: 'finish' } as UIMessageChunk)
  }

  /** One request to the agent; its chunks go to `emit` (a retry continues the same message). */
  private async ask(
    text: string,
    sessionId: string,
    signal: AbortSignal | undefined,
    emit: (chunk: UIMessageChunk) => void,
    isRetry: boolean,
  ): Promise<{ outcome: 'done' | 'expired' }> {
    const session = this.options.store.get()
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [this.options.sessionIdHeader ?? SESSION_ID_HEADER]: sessionId,
    }
    if (session) headers[this.options.tokenHeader ?? GUEST_TOKEN_HEADER] = `Bearer ${session.accessToken}`
    const body = JSON.stringify({ prompt: text })
    const response = await this.retrying(() => this.invoke({ sessionId, headers, body, signal }), signal)
    if (!response.ok || !response.body) {
      if (!isRetry) emit({ type: 'start' } as UIMessageChunk)
      emit({ type: 'error', errorText: 'The assistant is not available right now.' } as UIMessageChunk)
      return { outcome: 'done' }
    }
    let expired = false
    let signedOutInChat = false
    const toolNames = new Map<string, string>()
    for await (const data of sseData(response.body)) {
      let chunk: Chunk
      try {
        chunk = JSON.parse(data) as Chunk
      } catch {
        continue
      }
      if (chunk.type === 'finish' || (isRetry && chunk.type === 'start')) continue
      if (chunk.type === 'tool-input-available') {
        const call = chunk as { toolCallId: string; toolName: string }
        toolNames.set(call.toolCallId, call.toolName)
      }
      if (chunk.type === 'tool-output-available') {
        const output = (chunk as { output: unknown }).output
        const tool = toolNames.get((chunk as { toolCallId: string }).toolCallId)
        if (isTokenDeliveryEvent(output)) {
          this.keep(output)
          expired = false
        } else if (tool === 'sign_out' || isSignedOut(output)) {
          signedOutInChat = true
        } else if (isToolFailure(output) && needsSignIn(output) && this.options.store.get()) {
          this.drop()
        } else if (isToolFailure(output) && needsRefresh(output)) {
          expired = true
        }
        emit({ ...chunk, output: withoutTokens(output) } as UIMessageChunk)
        continue
      }
      emit(chunk)
    }
    // The agent signed out with the refresh token it kept from the sign-in; with rotation on, the
    // page's renewals have replaced that one, so the page's own is revoked over HTTP too.
    if (signedOutInChat) await this.signOut().catch(() => null)
    return { outcome: expired && this.options.store.get() ? 'expired' : 'done' }
  }

  /** Refresh the stored session once; false (and the session dropped) when it cannot be renewed. */
  private async refresh(signal: AbortSignal | undefined): Promise<boolean> {
    const session = this.options.store.get()
    if (!session) return false
    const response = await this.post(
      this.options.refreshUrl,
      { 'content-type': 'application/json' },
      JSON.stringify({ refresh_token: session.refreshToken }),
      signal,
    )
    const result: unknown = await response.json().catch(() => null)
    if (isTokenDeliveryEvent(result)) {
      this.keep(result)
      return true
    }
    this.drop()
    return false
  }

  /** Store the session an event delivered (whether or not anyone listens for the change). */
  private keep(event: TokenDeliveryEvent) {
    const session = this.options.store.saveFromEvent(event)
    this.options.onSessionChange?.(session)
  }

  private drop() {
    this.options.store.clear()
    this.options.onSessionChange?.(null)
  }

  /** POST with retries on network errors and 5xx answers. */
  private post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal | undefined): Promise<Response> {
    return this.retrying(() => this.fetch(url, { method: 'POST', headers, body, signal }), signal)
  }

  /** `send` again after network errors and 5xx answers, with backoff. */
  private async retrying(send: () => Promise<Response>, signal: AbortSignal | undefined): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= this.backoff.length
      try {
        const response = await send()
        if (response.status < 500 || last) return response
      } catch (error) {
        if (last || signal?.aborted) throw error
      }
      await sleep(this.backoff[attempt] ?? 0, signal)
    }
  }
}
