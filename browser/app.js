// The chat page: sends messages to the agent bridge, reads its SSE stream, and keeps the session
// by the rules of the contract package:
// - no Authorization header before sign-in is confirmed by an auth_tokens event;
// - on auth_tokens, store the session; later requests carry the access token;
// - on TOKEN_EXPIRED, refresh once and retry the message once;
// - on INVALID_TOKEN, AUTH_REQUIRED or a failed refresh, drop the session and return to sign-in;
// - network errors retry with backoff.
import { SessionStore, isTokenDeliveryEvent, isToolFailure, needsRefresh, needsSignIn, sseData } from '/contract/index.js'

const store = new SessionStore(window.localStorage)
/** What the scripted agent takes as a sign-out request (the same rule as the bridge's). */
const SIGN_OUT = /\b(sign|log)\s*(me\s+)?out\b/i
const conversationId = crypto.randomUUID()
const messages = document.querySelector('#messages')
const input = document.querySelector('#chat-input')
const status = document.querySelector('#session-status')
let configPromise = fetch('/config.json').then((r) => r.json())

function add(kind, text) {
  const li = document.createElement('li')
  li.className = kind
  li.textContent = text
  messages.append(li)
  li.scrollIntoView()
  return li
}

function showSession() {
  const session = store.get()
  status.textContent = session ? `Signed in as ${session.email} (${session.guestId})` : 'Not signed in'
  status.dataset.state = session ? 'signed-in' : 'signed-out'
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** fetch with retries on network errors and 5xx answers: 250 ms, 500 ms, 1 s. */
async function fetchWithBackoff(url, options, attempts = 4) {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(url, options)
      if (response.status < 500 || attempt === attempts - 1) return response
    } catch (error) {
      if (attempt === attempts - 1) throw error
    }
    await sleep(250 * 2 ** attempt)
  }
}

/** Refresh the session once; false when it cannot be renewed (then it is dropped). */
async function refreshSession() {
  const session = store.get()
  if (!session) return false
  const { refreshUrl } = await configPromise
  const response = await fetchWithBackoff(refreshUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: session.refreshToken }),
  })
  const result = await response.json().catch(() => null)
  if (isTokenDeliveryEvent(result)) {
    store.saveFromEvent(result)
    showSession()
    return true
  }
  store.clear()
  showSession()
  return false
}

/** One agent turn: returns 'retry' when the message should be sent again after a refresh. */
async function turn(text) {
  const session = store.get()
  const headers = { 'content-type': 'application/json' }
  if (session) headers.authorization = `Bearer ${session.accessToken}`
  const body = { conversation_id: conversationId, message: text }
  if (session && SIGN_OUT.test(text)) body.refresh_token = session.refreshToken
  const response = await fetchWithBackoff('/api/chat', { method: 'POST', headers, body: JSON.stringify(body) })
  if (!response.ok || !response.body) {
    add('assistant', 'The assistant is not available right now.')
    return 'done'
  }
  let bubble = null
  let outcome = 'done'
  for await (const data of sseData(response.body)) {
    let event
    try {
      event = JSON.parse(data)
    } catch {
      continue
    }
    if (event.type === 'text-start') bubble = add('assistant', '')
    else if (event.type === 'text-delta' && bubble) bubble.textContent += event.delta
    else if (event.type === 'tool-input-available') add('tool', `⚙ ${event.toolName}`)
    else if (event.type === 'tool-output-available') {
      const output = event.output
      if (isTokenDeliveryEvent(output)) {
        store.saveFromEvent(output)
        showSession()
      } else if (output && output.success === true && 'access_token_revoked' in output) {
        store.clear()
        showSession()
      } else if (isToolFailure(output)) {
        if (needsRefresh(output)) outcome = 'refresh'
        else if (needsSignIn(output)) {
          store.clear()
          showSession()
        }
      }
    }
  }
  return outcome
}

async function send(text) {
  add('user', text)
  let outcome = await turn(text)
  if (outcome === 'refresh') {
    // Refresh once and retry once; a second expiry is not retried.
    if (await refreshSession()) await turn(text)
    else add('assistant', 'Your session has ended. Please sign in again: what is your email address?')
  }
}

document.querySelector('#composer').addEventListener('submit', async (event) => {
  event.preventDefault()
  const text = input.value.trim()
  if (!text) return
  input.value = ''
  input.disabled = true
  try {
    await send(text)
  } catch (error) {
    add('assistant', 'The connection failed. Please try again.')
    console.error(error)
  } finally {
    input.disabled = false
    input.focus()
    document.body.dataset.idle = 'true'
  }
})

showSession()
add('assistant', 'Hello! I can show your bookings once you are signed in. What is your email address?')
document.body.dataset.ready = 'true'
