// Amplify JS v6 in Debian's Chromium (playwright-core), from a page on another origin than the
// stand-in, as a browser app uses Cognito's public endpoint: the passwordless sign-in with a wrong
// then the right code, the session, the user's attributes and sign-out. Every call is a
// cross-origin request with a preflight (its content type is application/x-amz-json-1.1), so it
// proves the stand-in's CORS; a server without CORS headers is the negative control.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { after, before, test } from 'node:test'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'
import { base, clientId, cognito, createUser, latestCode, poolId } from './support.mjs'

const EMAIL = 'amplify.browser@example.com'
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const servers = []
let browser
let page
let pageOrigin
let noCorsOrigin

/** A server on a free loopback port; stopped after the suite. */
async function serve(handler) {
  const server = createServer(handler)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return `http://127.0.0.1:${server.address().port}`
}

before(async () => {
  await createUser(EMAIL)
  const bundle = await build({
    entryPoints: [new URL('./browser-app.mjs', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  })
  const script = bundle.outputFiles[0].text
  pageOrigin = await serve((req, res) => {
    if (req.url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title><script type="module" src="/app.js"></script>')
    }
  })
  // Answers anything, with no CORS headers: a browser must refuse to hand its answers to the page.
  noCorsOrigin = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{}')
  })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  page = await browser.newPage()
  await page.goto(pageOrigin)
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' })
  await page.evaluate(
    (config) => window.amplify.configure(config),
    { Auth: { Cognito: { userPoolId: poolId, userPoolClientId: clientId, userPoolEndpoint: base, loginWith: { email: true } } } },
  )
})

after(async () => {
  await browser?.close()
  for (const server of servers) await new Promise((resolve) => server.close(resolve))
})

/** A Cognito-style call from the page with fetch: what the browser lets the page see of it. */
const fetchFromPage = (url) =>
  page.evaluate(async (target) => {
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.GetUser' },
        body: '{}',
      })
      return { status: response.status }
    } catch (e) {
      return { error: e.name }
    }
  }, url)

test('the page is on another origin, and a server without CORS is refused there', async () => {
  assert.notEqual(new URL(pageOrigin).origin, new URL(base).origin)
  assert.deepEqual(await fetchFromPage(noCorsOrigin), { error: 'TypeError' })
  // The stand-in's answer reaches the page: a Cognito error, not a network failure.
  assert.equal((await fetchFromPage(base)).status, 400)
})

test('passwordless sign-in in the browser: a wrong code is refused, the right one signs in', async () => {
  const started = await page.evaluate(
    (email) => window.amplify.signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } }),
    EMAIL,
  )
  assert.equal(started.ok?.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', JSON.stringify(started))
  const wrong = await page.evaluate(() => window.amplify.confirmSignIn({ challengeResponse: '00000000' }))
  assert.equal(wrong.error, 'CodeMismatchException')
  const done = await page.evaluate((code) => window.amplify.confirmSignIn({ challengeResponse: code }), await latestCode(EMAIL))
  assert.equal(done.ok?.isSignedIn, true, JSON.stringify(done))
})

test('the session, the attributes and sign-out, in the browser', async () => {
  const session = await page.evaluate(() => window.amplify.session())
  assert.equal(session.ok?.email, EMAIL, JSON.stringify(session))
  const attributes = await page.evaluate(() => window.amplify.attributes())
  assert.equal(attributes.ok?.email, EMAIL)
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('CognitoIdentityServiceProvider.')))
  assert.ok(stored.some((k) => k.endsWith('.accessToken')), 'Amplify keeps the session in the page origin’s localStorage')
  assert.deepEqual(await page.evaluate(() => window.amplify.signOut()), { ok: null })
  // Amplify revoked the refresh token at the pool: the old access token opens nothing.
  await assert.rejects(cognito('GetUser', { AccessToken: session.ok.access }), /revoked/)
})
