// The sign-in journey as a guest meets it, through the whole topology (topology.mjs): Debian's
// Chromium (playwright-core) on the chat page (the `ai` chat state with AgentCoreChatTransport,
// each turn an InvokeAgentRuntime call of AWS's JavaScript SDK signed with Identity Pool
// credentials) → the Runtime front door (local-runtime) → the agent (Strands on bedrock-agentcore,
// scripted model) → the local AgentCore Gateway → the functions → the Cognito stand-in and DynamoDB. Screenshots of every step go to
// target/browser-journey/. A stock AI SDK client (DefaultChatTransport) talks to the same agent.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { DefaultChatTransport } from 'ai'
import { chromium } from 'playwright-core'
import { root, startTopology } from './topology.mjs'
import { turn } from './turn.mjs'
import { walk } from './walk.mjs'

const shots = `${root}target/browser-journey`
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const TOKEN_HEADER = 'x-guest-authorization'
const SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id'

let topology
let browser
let page
/** Every request the page made to the agent (through the Runtime front door) and to the
 * functions, in order; `key` is the access key that signed an agent request. */
const requests = []
/** The role each access key the page got from STS was issued for. */
const roles = new Map()
/** The Identity Pool calls the page made: `[operation, with a login]`. */
const identityCalls = []
const isInvocation = (url) => url.startsWith(`${topology.runtime.endpoint}/runtimes/`)
const roleOf = (request) => roles.get(request.key)
const storedIdentity = () => page.evaluate(() => localStorage.getItem('booking_identity'))

before(async () => {
  topology = await startTopology()
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  page = await browser.newPage({ viewport: { width: 1000, height: 760 } })
  page.on('request', (request) => {
    const url = request.url()
    const headers = request.headers()
    const target = headers['x-amz-target']
    if (request.method() === 'POST' && target?.startsWith('AWSCognitoIdentityService.')) {
      identityCalls.push([target.slice('AWSCognitoIdentityService.'.length), 'Logins' in JSON.parse(request.postData() ?? '{}')])
    }
    const kind = isInvocation(url) ? 'agent' : url === topology.refreshUrl ? 'refresh' : url === topology.signOutUrl ? 'sign-out' : null
    if (kind && request.method() === 'POST') {
      const key = /Credential=([^/]+)\//.exec(headers.authorization ?? '')?.[1] ?? null
      requests.push({ kind, token: headers[TOKEN_HEADER] ?? null, session: headers[SESSION_HEADER] ?? null, key, body: request.postData() ?? '' })
    }
  })
  page.on('response', async (response) => {
    const request = response.request()
    const form = new URLSearchParams(request.postData() ?? '')
    if (request.method() === 'POST' && form.get('Action') === 'AssumeRoleWithWebIdentity') {
      const key = /<AccessKeyId>([^<]+)</.exec(await response.text())?.[1]
      if (key) roles.set(key, form.get('RoleArn'))
    }
  })
  await open()
})

after(async () => {
  await browser?.close()
  await topology?.stop()
})

async function open() {
  await page.goto(topology.pageUrl)
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' })
}

/** Type a message and wait for the whole answer; the requests it made. */
async function say(text) {
  const before = requests.length
  await page.fill('[data-testid="chat-input"]', text)
  if (!/^\d{8}$/.test(text)) await page.click('[data-testid="send-button"]')
  await page.waitForFunction(() => document.body.dataset.busy === 'true', null, { timeout: 5_000 }).catch(() => {})
  await page.waitForFunction(() => document.body.dataset.busy === 'false')
  return requests.slice(before)
}

const standin = (path, init) => fetch(`${topology.standin}${path}`, init).then((r) => r.json())
const configurePool = (settings) => standin('/_config', { method: 'POST', body: JSON.stringify(settings) })
const latestCode = async (email) => (await standin(`/_inbox?email=${encodeURIComponent(email)}`)).messages.at(-1).code
const lastAssistant = () => page.locator('#messages li.assistant').last().textContent()
const tools = () => page.locator('#messages li.tool').allTextContents()
const storedSession = () => page.evaluate(() => JSON.parse(localStorage.getItem('booking_session') ?? 'null'))
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true })
const expiryOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp
/** Until the token is past `exp` and the functions' one-second leeway, in whole seconds. */
async function outlive(token) {
  const wait = (expiryOf(token) + 2.2) * 1000 - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}

async function signIn(email) {
  await say(`John Doe, ${email}`)
  assert.match(await lastAssistant(), /verification code to \w\*\*\*@e\*\*\*\.com/)
  const code = await latestCode(email)
  assert.match(code, /^\d{8}$/)
  const sent = await say(code)
  assert.equal(sent[0].token, null, 'no token while the code is checked')
  await page.waitForSelector('[data-testid="session-status"][data-state="signed-in"]')
  return storedSession()
}

const secrets = []
/** The identity the page chatted under as a guest, before signing in. */
let guestIdentity

/** One turn of a stock AI SDK client: the assistant message it builds. */
const stockTurn = async (transport, chatId, text) => (await turn(transport, chatId, text)).message

test('asking for bookings before signing in sends no token and asks for the email, signed as a guest', async () => {
  await shot('01-start')
  const sent = await say('Can you show my bookings?')
  assert.deepEqual(sent.map((r) => [r.kind, r.token]), [['agent', null]])
  assert.match(await lastAssistant(), /sign you in.*email address/)
  // Anonymous: the basic flow's GetId and GetOpenIdToken without a login, then the guest role.
  assert.deepEqual(identityCalls, [['GetId', false], ['GetOpenIdToken', false]])
  assert.equal(roleOf(sent[0]), topology.runtime.guestRoleArn)
  assert.match(await storedIdentity(), /^eu-west-1:/)
})

test('signing in with the code from the inbox stores the session, and no token enters the chat', async () => {
  guestIdentity = await storedIdentity()
  // Short-lived access tokens for this sign-in, to let one expire below.
  await configurePool({ access_token_validity_seconds: 3 })
  const session = await signIn(topology.demoEmail)
  await configurePool({ access_token_validity_seconds: 3600 })
  assert.equal(session.isAuthenticated, true)
  assert.equal(session.email, topology.demoEmail)
  assert.equal(session.guestId, 'GST-2026-DEMQ42')
  assert.match(session.accessToken, /^eyJ/)
  secrets.push(session.accessToken, session.refreshToken, session.idToken)
  // The page shows the verify_otp call; neither it nor the page's text holds a token.
  assert.ok((await tools()).includes('⚙ verify_otp'))
  const html = await page.content()
  for (const secret of secrets) assert.ok(!html.includes(secret))
  await shot('02-signed-in')
})

test("a second caller who knows only the page's session id gets nothing of the guest's; the page goes on", async () => {
  const session = requests.findLast((r) => r.kind === 'agent').session
  assert.ok(session?.length >= 33)
  const stranger = new DefaultChatTransport({ api: topology.agentUrl, headers: { [SESSION_HEADER]: session } })
  const listed = await stockTurn(stranger, 'stranger', 'Show my reservations')
  const reservations = listed.parts.find((p) => p.type === 'tool-get_my_reservations')
  assert.equal(reservations.output.error_code, 'AUTH_REQUIRED')
  const out = await stockTurn(stranger, 'stranger', 'Please sign me out')
  assert.ok(!out.parts.some((p) => p.type === 'tool-sign_out' && p.output?.success), 'no sign-out')
  assert.ok(!JSON.stringify([listed, out]).includes('auth_tokens'))
  assert.ok((await storedSession())?.accessToken, 'the page is still signed in')
})

test('an expired access token: the page renews it over HTTP once and the agent answers; the agent never refreshes', async () => {
  const expired = (await storedSession()).accessToken
  await outlive(expired)
  const sent = await say('Show my reservations please')
  const renewed = await storedSession()
  assert.deepEqual(
    sent.map((r) => [r.kind, r.token]),
    [['agent', `Bearer ${expired}`], ['refresh', null], ['agent', `Bearer ${renewed.accessToken}`]],
  )
  // Signed in, the turns are signed for the same identity, upgraded with the ID token.
  assert.deepEqual(sent.filter((r) => r.kind === 'agent').map(roleOf), [topology.runtime.signedInRoleArn, topology.runtime.signedInRoleArn])
  assert.ok(identityCalls.some(([operation, login]) => operation === 'GetOpenIdToken' && login))
  assert.equal(await storedIdentity(), guestIdentity, 'the guest identity, now signed in')
  assert.notEqual(renewed.accessToken, expired)
  secrets.push(renewed.accessToken, renewed.refreshToken, renewed.idToken)
  const answer = await lastAssistant()
  for (const id of ['RES-2027-0315', 'RES-2026-1224', 'RES-2026-0419']) assert.ok(answer.includes(id), answer)
  await shot('03-reservations-after-refresh')
})

test('a dropped connection is retried with backoff', async () => {
  let aborted = 0
  const route = (url) => isInvocation(url.href)
  await page.route(route, (r) => (aborted++ === 0 ? r.abort('connectionreset') : r.continue()))
  await say('And my bookings again?')
  await page.unroute(route)
  assert.equal(aborted, 2, 'one failed attempt, then the retry')
  assert.match(await lastAssistant(), /RES-2027-0315/)
})

test('signing out in the chat ends the session; later requests carry no token', async () => {
  const sent = await say('Please sign me out')
  assert.ok(sent[0].token?.startsWith('Bearer '), 'the turn proved the guest')
  // The agent revoked the refresh token it kept; the page revokes its own (rotation may have
  // replaced the agent's copy) over HTTP.
  assert.deepEqual(sent.map((r) => r.kind), ['agent', 'sign-out'])
  await page.waitForSelector('[data-testid="session-status"][data-state="signed-out"]')
  assert.equal(await storedSession(), null)
  assert.match(await lastAssistant(), /signed out/i)
  await shot('04-signed-out')
  const signedInIdentity = await storedIdentity()
  const after = await say('Show my bookings')
  assert.equal(after[0].token, null)
  // Anonymous again: a guest's credentials, for a new identity (the old one is signed in).
  assert.equal(roleOf(after[0]), topology.runtime.guestRoleArn)
  assert.notEqual(await storedIdentity(), signedInIdentity)
})

test('a reloaded page sends its stored token; a stale one is refreshed by the page once', async () => {
  // Another guest: a second code for the demo address within 30 s would be RATE_LIMITED.
  await configurePool({ access_token_validity_seconds: 3 })
  const session = await signIn('reload.guest@example.com')
  await configurePool({ access_token_validity_seconds: 3600 })
  secrets.push(session.accessToken, session.refreshToken, session.idToken)
  await outlive(session.accessToken)
  // A new page load is a new conversation: the agent holds no refresh token for it.
  await open()
  const sent = await say('Show my reservations')
  assert.deepEqual(
    sent.map((r) => r.kind),
    ['agent', 'refresh', 'agent'],
  )
  const renewed = await storedSession()
  assert.equal(sent[0].token, `Bearer ${session.accessToken}`)
  assert.equal(roleOf(sent[0]), topology.runtime.signedInRoleArn, 'the reloaded page is still signed in to the Identity Pool')
  assert.equal(sent[2].token, `Bearer ${renewed.accessToken}`)
  secrets.push(renewed.accessToken, renewed.refreshToken, renewed.idToken)
  assert.match(await lastAssistant(), /no reservations/)
  await shot('05-reload-refreshed')
})

test('the sign-out button signs out over HTTP where the conversation cannot', async () => {
  await page.click('[data-testid="sign-out"]')
  await page.waitForSelector('[data-testid="session-status"][data-state="signed-out"]')
  const call = requests.at(-1)
  assert.equal(call.kind, 'sign-out')
  assert.equal(await storedSession(), null)
})

test('a forged token returns to sign-in without a refresh', async () => {
  await page.evaluate(() => {
    localStorage.setItem(
      'booking_session',
      JSON.stringify({ isAuthenticated: true, guestId: 'GST-2026-DEMQ42', email: 'x@example.com', cognitoSub: 's', idToken: 'x', accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged', refreshToken: 'r', expiresAt: Date.now() + 3_600_000 }),
    )
  })
  await open()
  await page.waitForSelector('[data-testid="session-status"][data-state="signed-in"]')
  const sent = await say('Show my reservations')
  assert.deepEqual(sent.map((r) => r.kind), ['agent'], 'no refresh, no retry')
  await page.waitForSelector('[data-testid="session-status"][data-state="signed-out"]')
  assert.equal(await storedSession(), null)
  await shot('06-forged-token')
})

test('no request to the agent ever carried a token in its body, and no token reached its log', async () => {
  const agentBodies = requests.filter((r) => r.kind === 'agent').map((r) => r.body)
  assert.ok(agentBodies.length >= 10)
  for (const body of agentBodies) {
    assert.deepEqual(Object.keys(JSON.parse(body)), ['prompt'])
    for (const secret of secrets) assert.ok(!body.includes(secret))
  }
  // The refresh function's own body is the one place a refresh token travels from the page.
  for (const r of requests.filter((r) => r.kind === 'refresh')) assert.deepEqual(Object.keys(JSON.parse(r.body)), ['refresh_token'])
  const { readFileSync } = await import('node:fs')
  const log = readFileSync(topology.agentLog, 'utf8')
  for (const secret of secrets) assert.ok(!log.includes(secret), 'a token in the agent log')
})

test('a stock DefaultChatTransport holds a conversation with the agent, no adapter', async () => {
  const transport = new DefaultChatTransport({ api: topology.agentUrl })
  const chatId = `stock-client-${crypto.randomUUID()}`
  const first = await stockTurn(transport, chatId, 'I want to book March 15-20')
  assert.match(first.parts.find((p) => p.type === 'text').text, /email/)
  const second = await stockTurn(transport, chatId, 'Jane Doe, stock.client@example.com')
  const started = second.parts.find((p) => p.type === 'tool-initiate_login')
  assert.equal(started.state, 'output-available')
  assert.equal(started.output.success, true)
})

test("README command 1's walk through the front door (walk.mjs) passes each step, and stops at one that fails", async () => {
  const printed = []
  const steps = await walk(topology, { email: `walk.${Date.now()}@example.com`, bookings: /no reservations/, print: (line) => printed.push(line) })
  assert.equal(steps.length, 8)
  assert.equal(printed.filter((line) => line.startsWith('✓')).length, 8)
  assert.ok(!printed.some((line) => line.startsWith('✗')))
  // Negative control: bookings the guest does not have stop the walk at that step.
  await assert.rejects(
    walk(topology, { email: `walk.control.${Date.now()}@example.com`, bookings: /RES-NOT-THERE/, print: () => {} }),
    /see your bookings/,
  )
})
