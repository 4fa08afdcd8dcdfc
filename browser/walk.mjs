// The feature guide's journey as the chat page runs it, without a browser: the contract package's
// AgentCoreChatTransport with its AgentCore module (AWS's JavaScript SDK: Identity Pool
// credentials, InvokeAgentRuntime) → the Runtime front door → the agent → the local Gateway → the
// functions. README command 1 (scripts/journey) prints it; journey.test.mjs runs it too.
import { agentCoreChat } from '../packages/contract/dist/src/agentcore.js'
import { SessionStore } from '../packages/contract/dist/src/index.js'
import { turn } from './turn.mjs'

class MemoryStorage {
  items = new Map()
  getItem = (key) => this.items.get(key) ?? null
  setItem = (key, value) => void this.items.set(key, value)
  removeItem = (key) => void this.items.delete(key)
}

/** A page load on `storage`: its session store, Identity Pool credentials and transport. */
function load(topology, storage) {
  const store = new SessionStore(storage)
  const { transport, identity } = agentCoreChat({
    runtime: topology.runtime,
    refreshUrl: topology.refreshUrl,
    signOutUrl: topology.signOutUrl,
    store,
    storage,
  })
  return { store, identity, transport, chatId: `walk-${crypto.randomUUID()}` }
}

const textOf = (message) => message.parts.filter((p) => p.type === 'text').map((p) => p.text).join(' ').trim()
const toolsOf = (message) => message.parts.filter((p) => p.type.startsWith('tool-')).map((p) => p.type.slice('tool-'.length))

/** Walk the journey on `topology` (topology.mjs) as `email` (the seeded demo guest by default,
 * whose bookings `bookings` matches), printing each step with `print`. Each step's expectation is
 * checked; the first that fails throws. The steps, for a caller to inspect. */
export async function walk(topology, { email = topology.demoEmail, bookings = /RES-2027-0315/, print = console.log } = {}) {
  const storage = new MemoryStorage()
  let page = load(topology, storage)
  const steps = []
  const step = async (name, text, expect) => {
    const started = performance.now()
    const { message } = await turn(page.transport, page.chatId, text)
    const ms = Math.round(performance.now() - started)
    const session = page.store.get()
    const seen = {
      answer: textOf(message),
      tools: toolsOf(message),
      signedIn: session !== null,
      identity: page.identity.identityId(),
    }
    const problem = expect(seen)
    steps.push({ name, ms, ...seen })
    const who = session ? `signed in as ${session.email}` : 'anonymous'
    print(`${problem ? '✗' : '✓'} ${name} (${ms} ms, ${who}, identity ${seen.identity})`)
    // A code is a secret even on loopback: it is typed, not printed.
    print(`    you: ${/^\d{6,8}$/.test(text) ? '(the code from the inbox)' : text}`)
    if (seen.tools.length) print(`    tools: ${seen.tools.join(', ')}`)
    print(`    assistant: ${seen.answer}`)
    if (problem) throw new Error(`${name}: ${problem}`)
    return seen
  }
  const code = async (email) => {
    const inbox = await fetch(`${topology.standin}/_inbox?email=${encodeURIComponent(email)}`).then((r) => r.json())
    return inbox.messages.at(-1)?.code
  }

  const first = await step('ask about availability, anonymously (guest credentials)', 'Is there a room free in May?', (s) =>
    s.signedIn ? 'signed in already' : s.identity ? null : 'no guest identity')
  await step('ask for bookings: the agent asks who you are', 'Can you show my bookings?', (s) =>
    /email/.test(s.answer) ? null : 'no request for the email address')
  await step('give the email: a code is sent', `John Doe, ${email}`, (s) =>
    s.tools.includes('initiate_login') && /verification code/.test(s.answer) ? null : 'no code sent')
  await step('type the code from the inbox: signed in inside the chat', await code(email), (s) =>
    s.signedIn && s.tools.includes('verify_otp') ? null : 'not signed in')
  await step('see your bookings (the same identity, signed in)', 'Show my reservations', (s) =>
    bookings.test(s.answer) && s.identity === first.identity ? null : 'no reservations, or another identity')
  page = load(topology, storage)
  await step('reload the page: still signed in', 'And my bookings again?', (s) =>
    s.signedIn && bookings.test(s.answer) ? null : 'the reloaded page lost its session')
  // The reloaded page is a new conversation, which never held the refresh token the agent's
  // sign_out needs: the page's sign-out button signs out over HTTP, as the chat page does.
  const started = performance.now()
  const signedOut = await page.transport.signOut()
  const ms = Math.round(performance.now() - started)
  const out = signedOut?.success === true && page.store.get() === null
  print(`${out ? '✓' : '✗'} sign out with the page's button (${ms} ms, the sign_out function over HTTP)`)
  if (!out) throw new Error(`sign out: ${JSON.stringify(signedOut)}`)
  steps.push({ name: 'sign out', ms, signedIn: false, identity: page.identity.identityId() })
  await step('anonymous again (a new guest identity)', 'Show my bookings', (s) =>
    !s.signedIn && /email/.test(s.answer) && s.identity !== first.identity ? null : 'not anonymous again')
  return steps
}
