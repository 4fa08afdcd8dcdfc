// The chat page: the `ai` package's chat (AbstractChat, with a page-rendering state) over the
// contract package's AgentCoreChatTransport, which sends each turn to AgentCore Runtime with AWS's
// own client, signed with Identity Pool credentials (a guest's, then the same identity signed in),
// and keeps the session (localStorage `booking_session`) by the contract's rules. Tokens never
// reach the chat state. No backend of its own: /config.json is what the stack's outputs say.
import { AbstractChat } from 'ai'
import { agentCoreChat } from '../../packages/contract/src/agentcore.ts'
import { SessionStore } from '../../packages/contract/src/index.ts'

/** Cognito's email codes are 8 digits: a complete one is sent as soon as it is typed. */
const CODE = /^\d{8}$/

const messages = document.querySelector('#messages')
const input = document.querySelector('#chat-input')
const button = document.querySelector('#send-button')
const status = document.querySelector('#session-status')
const store = new SessionStore(window.localStorage)

function showSession(session = store.get()) {
  status.textContent = session ? `Signed in as ${session.email} (${session.guestId})` : 'Not signed in'
  status.dataset.state = session ? 'signed-in' : 'signed-out'
  document.querySelector('#sign-out').hidden = !session
}

/** The chat's state, rendered on every change: AbstractChat decides what the messages are. */
class PageState {
  messages = []
  error = undefined
  #status = 'ready'
  get status() {
    return this.#status
  }
  set status(value) {
    this.#status = value
    render()
  }
  pushMessage = (message) => {
    this.messages = [...this.messages, message]
    render()
  }
  popMessage = () => {
    this.messages = this.messages.slice(0, -1)
    render()
  }
  replaceMessage = (index, message) => {
    this.messages = this.messages.map((m, i) => (i === index ? message : m))
    render()
  }
  snapshot = (thing) => structuredClone(thing)
}

const state = new PageState()

function item(kind, text) {
  const li = document.createElement('li')
  li.className = kind
  li.textContent = text
  return li
}

function render() {
  const items = [item('assistant', 'Hello! I can help you with your bookings.')]
  for (const message of state.messages) {
    for (const part of message.parts) {
      if (part.type === 'text' && part.text) items.push(item(message.role, part.text))
      else if (part.type.startsWith('tool-')) {
        const li = item('tool', `⚙ ${part.type.slice('tool-'.length)}`)
        li.dataset.state = part.state
        items.push(li)
      }
    }
  }
  if (state.status === 'error') items.push(item('assistant error', 'The connection failed. Please try again.'))
  messages.replaceChildren(...items)
  messages.lastElementChild?.scrollIntoView()
  const busy = state.status === 'submitted' || state.status === 'streaming'
  input.disabled = busy
  button.disabled = busy
  document.body.dataset.busy = String(busy)
}

const config = await fetch('/config.json').then((r) => r.json())
const { transport } = agentCoreChat({
  runtime: config.runtime,
  refreshUrl: config.refreshUrl,
  signOutUrl: config.signOutUrl,
  store,
  storage: window.localStorage,
  onSessionChange: showSession,
})
const chat = new AbstractChat({ state, transport })

async function send() {
  const text = input.value.trim()
  if (!text || input.disabled) return
  input.value = ''
  await chat.sendMessage({ text })
  input.focus()
}

document.querySelector('#composer').addEventListener('submit', (event) => {
  event.preventDefault()
  void send()
})
// A complete code goes out as soon as it is typed or pasted, as sign-in code fields do.
input.addEventListener('input', () => {
  if (CODE.test(input.value.trim())) void send()
})

document.querySelector('#sign-out').addEventListener('click', () => void transport.signOut())

showSession()
render()
document.body.dataset.ready = 'true'
