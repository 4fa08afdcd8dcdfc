// The sign-in journey as a guest meets it: a chat page reading the agent's SSE stream, in
// Debian's Chromium (playwright-core), against the local agent bridge and the real functions.
// Screenshots of every step go to target/browser-journey/.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = fileURLToPath(new URL('..', import.meta.url))
const shots = `${root}target/browser-journey`
const DEMO = 'demo.guest@example.com'
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let bridge
let base
let browser
let page
const chatRequests = []
const refreshRequests = []

function startBridge() {
  return new Promise((resolve, reject) => {
    const child = spawn('cargo', ['run', '--quiet', '-p', 'local-stack', '--bin', 'chat-bridge'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    const timer = setTimeout(() => reject(new Error(`the bridge did not start:\n${out}`)), 600_000)
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /chat bridge on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve({ child, url: match[1] })
      }
    })
    child.on('exit', (code) => reject(new Error(`the bridge exited with ${code}:\n${out}`)))
  })
}

before(async () => {
  mkdirSync(shots, { recursive: true })
  ;({ child: bridge, url: base } = await startBridge())
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  page = await browser.newPage({ viewport: { width: 1000, height: 760 } })
  page.on('request', (request) => {
    if (request.url().endsWith('/api/chat')) chatRequests.push({ authorization: request.headers().authorization ?? null, body: request.postData() })
    if (request.url().includes('/lambda-url/refresh/') && request.method() === 'POST') refreshRequests.push(request.url())
  })
  await page.goto(base)
  await page.waitForSelector('body[data-ready="true"]')
})

after(async () => {
  await browser?.close()
  if (bridge && bridge.exitCode === null) {
    const exited = new Promise((resolve) => bridge.once('exit', resolve))
    bridge.kill('SIGTERM')
    await exited
  }
})

async function say(text) {
  const before = chatRequests.length
  await page.fill('[data-testid="chat-input"]', text)
  await page.click('[data-testid="send-button"]')
  await page.waitForFunction(() => !document.querySelector('#chat-input').disabled)
  return chatRequests.slice(before)
}

const lastAssistant = () => page.locator('#messages li.assistant').last().textContent()
const storedSession = () => page.evaluate(() => JSON.parse(localStorage.getItem('booking_session') ?? 'null'))
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true })
const dev = (path, init) => fetch(`${base}${path}`, init).then((r) => r.json())

test('asking for bookings before signing in sends no token and asks to sign in', async () => {
  await shot('01-start')
  const requests = await say('Can you show my bookings?')
  assert.equal(requests.length, 1)
  assert.equal(requests[0].authorization, null, 'no authenticated request before sign-in')
  assert.match(await lastAssistant(), /sign in first/i)
})

test('signing in with the code from the inbox stores the session', async () => {
  // Short-lived access tokens for this sign-in, to exercise the refresh rule below.
  await dev('/dev/pool', { method: 'POST', body: JSON.stringify({ access_token_validity_seconds: 3 }) })
  await say(`My email is ${DEMO}`)
  assert.match(await lastAssistant(), /sent a sign-in code to d\*\*\*@e\*\*\*\.com/)
  await shot('02-code-sent')
  const { code } = await dev(`/dev/code?email=${encodeURIComponent(DEMO)}`)
  assert.match(code, /^\d{8}$/)
  const requests = await say(code)
  assert.equal(requests[0].authorization, null, 'still no token while verifying')
  await page.waitForSelector('[data-testid="session-status"][data-state="signed-in"]')
  const session = await storedSession()
  assert.equal(session.isAuthenticated, true)
  assert.equal(session.email, DEMO)
  assert.equal(session.guestId, 'GST-2026-DEMQ42')
  assert.match(session.accessToken, /^eyJ/)
  await dev('/dev/pool', { method: 'POST', body: JSON.stringify({ access_token_validity_seconds: 3600 }) })
  await shot('03-signed-in')
})

test('an expired access token is refreshed once and the question answered', async () => {
  const expired = (await storedSession()).accessToken
  // Wait until the token is past `exp` and the functions' one-second leeway, in whole seconds.
  const { exp } = JSON.parse(Buffer.from(expired.split('.')[1], 'base64url').toString())
  const wait = (exp + 2.2) * 1000 - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  const requests = await say('Show my reservations please')
  assert.equal(refreshRequests.length, 1, 'exactly one refresh')
  assert.equal(requests.length, 2, 'the message was retried once')
  assert.equal(requests[0].authorization, `Bearer ${expired}`)
  const renewed = (await storedSession()).accessToken
  assert.notEqual(renewed, expired)
  assert.equal(requests[1].authorization, `Bearer ${renewed}`)
  const answer = await lastAssistant()
  for (const id of ['RES-2027-0315', 'RES-2026-1224', 'RES-2026-0419']) assert.ok(answer.includes(id), answer)
  await shot('04-reservations')
})

test('a network error is retried with backoff', async () => {
  let aborted = 0
  await page.route('**/api/chat', (route) => (aborted++ === 0 ? route.abort('connectionreset') : route.continue()))
  await say('And my bookings again?')
  await page.unroute('**/api/chat')
  assert.equal(aborted, 2, 'one failed attempt, then the retry')
  assert.match(await lastAssistant(), /RES-2027-0315/)
})

test('signing out clears the session and later requests carry no token', async () => {
  const requests = await say('Please sign me out')
  assert.ok(requests[0].authorization?.startsWith('Bearer '))
  assert.ok(JSON.parse(requests[0].body).refresh_token, 'the refresh token goes to sign_out')
  await page.waitForSelector('[data-testid="session-status"][data-state="signed-out"]')
  assert.equal(await storedSession(), null)
  assert.match(await lastAssistant(), /signed out/i)
  await shot('05-signed-out')
  const after = await say('Show my bookings')
  assert.equal(after[0].authorization, null)
})

test('an invalid token returns to sign-in without retrying', async () => {
  await page.evaluate(() => {
    localStorage.setItem(
      'booking_session',
      JSON.stringify({ isAuthenticated: true, guestId: 'GST-2026-DEMQ42', email: 'x@example.com', cognitoSub: 's', idToken: 'x', accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged', refreshToken: 'r', expiresAt: Date.now() + 3_600_000 }),
    )
  })
  const refreshesBefore = refreshRequests.length
  const requests = await say('Show my reservations')
  assert.equal(requests.length, 1, 'no retry')
  assert.equal(refreshRequests.length, refreshesBefore, 'no refresh for an invalid token')
  assert.equal(await storedSession(), null)
  await page.waitForSelector('[data-testid="session-status"][data-state="signed-out"]')
  await shot('06-invalid-token')
})
