// The official TypeScript MCP SDK (@modelcontextprotocol/sdk, pinned in package.json) against the
// local AgentCore Gateway: initialize, list the tools, walk the whole sign-in journey, and check
// AWS's header rules and result mapping from outside. Run by local-stack/tests/mcp_clients.rs,
// which starts the stack and passes MCP_URL, MCP_URL_INTERCEPTED, MCP_URL_FAILING, INBOX_URL and
// GUEST_EMAIL (a seeded guest with three reservations, for this suite alone).
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'

const env = process.env
const negotiated = new Set()
const TOOLS = [
  'initiate-login___initiate_login',
  'refresh___refresh',
  'reservations___get_my_reservations',
  'sign-out___sign_out',
  'verify-otp___verify_otp',
]

/** One MCP session, as an agent's code opens it for a conversation. */
async function session(url, headers = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } })
  const client = new Client({ name: 'booking-auth-node-test', version: '1.0.0' })
  await client.connect(transport)
  negotiated.add(transport.protocolVersion)
  return client
}

const guest = (token) => ({ 'X-Guest-Authorization': `Bearer ${token}` })

async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args })
  const text = result.content[0].text
  let body
  try {
    body = JSON.parse(text)
  } catch {
    body = { text }
  }
  return { body, isError: result.isError === true }
}

async function latestCode(email) {
  const response = await fetch(`${env.INBOX_URL}?email=${encodeURIComponent(email)}`)
  const { messages } = await response.json()
  return messages.at(-1).code
}

async function signIn(email) {
  const client = await session(env.MCP_URL)
  try {
    const started = await call(client, 'initiate-login___initiate_login', { email })
    assert.equal(started.body.success, true, JSON.stringify(started.body))
    const tokens = await call(client, 'verify-otp___verify_otp', {
      email,
      otp_code: await latestCode(email),
      session_token: started.body.session_token,
    })
    assert.equal(tokens.body.event_type, 'auth_tokens', JSON.stringify(tokens.body))
    return tokens.body
  } finally {
    await client.close()
  }
}

test('initialize and list the tools', async () => {
  const client = await session(env.MCP_URL)
  const { tools } = await client.listTools()
  await client.close()
  assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS)
  const reservations = tools.find((t) => t.name === 'reservations___get_my_reservations')
  assert.match(reservations.description, /X-Guest-Authorization/)
  assert.equal(reservations.inputSchema.type, 'object')
})

test('the whole journey with the token in the guest header', async () => {
  const tokens = await signIn(env.GUEST_EMAIL)
  let client = await session(env.MCP_URL, guest(tokens.access_token))
  const listed = await call(client, 'reservations___get_my_reservations', {})
  assert.equal(listed.isError, false)
  assert.equal(listed.body.reservations.length, 3, JSON.stringify(listed.body))
  const refreshed = await call(client, 'refresh___refresh', { refresh_token: tokens.refresh_token })
  assert.equal(refreshed.body.event_type, 'auth_tokens')
  await client.close()
  client = await session(env.MCP_URL, guest(refreshed.body.access_token))
  const again = await call(client, 'reservations___get_my_reservations', {})
  assert.equal(again.body.reservations.length, 3)
  const out = await call(client, 'sign-out___sign_out', { refresh_token: refreshed.body.refresh_token })
  assert.equal(out.body.access_token_revoked, true, JSON.stringify(out.body))
  const afterwards = await call(client, 'reservations___get_my_reservations', {})
  assert.equal(afterwards.body.error_code, 'INVALID_TOKEN')
  await client.close()
})

test('a header that is not allowlisted never reaches a function', async () => {
  const tokens = await signIn('node.headers@example.com')
  const bearer = `Bearer ${tokens.access_token}`
  const client = await session(env.MCP_URL, { Authorization: bearer, 'X-Other-Token': bearer })
  const out = await call(client, 'reservations___get_my_reservations', {})
  await client.close()
  assert.equal(out.isError, false)
  assert.equal(out.body.error_code, 'AUTH_REQUIRED', JSON.stringify(out.body))
})

test('the interceptor strips a model-supplied token and forwards the guest header', async () => {
  const tokens = await signIn('node.interceptor@example.com')
  const args = { auth_token: tokens.access_token }
  let client = await session(env.MCP_URL)
  assert.equal((await call(client, 'reservations___get_my_reservations', args)).body.success, true)
  await client.close()
  client = await session(env.MCP_URL_INTERCEPTED)
  const stripped = await call(client, 'reservations___get_my_reservations', args)
  assert.equal(stripped.body.error_code, 'AUTH_REQUIRED', JSON.stringify(stripped.body))
  await client.close()
  client = await session(env.MCP_URL_INTERCEPTED, guest(tokens.access_token))
  assert.equal((await call(client, 'reservations___get_my_reservations', {})).body.success, true)
  await client.close()
})

test('a function that fails gives isError with a generic text', async () => {
  const client = await session(env.MCP_URL_FAILING)
  const out = await call(client, 'guest-token-interceptor___fails', {})
  await client.close()
  assert.equal(out.isError, true)
  assert.deepEqual(out.body, { text: 'An internal error occurred. Please retry later.' })
})

test('a sign-in finishes only in the conversation that started it', async () => {
  // The agent's code names its conversation in X-Conversation-Id, which the sign-in targets
  // allowlist: a sign-in started in one conversation cannot be finished from another.
  const email = 'node.conversation@example.com'
  const inConversation = async (id, name, args) => {
    const client = await session(env.MCP_URL, id ? { 'X-Conversation-Id': id } : {})
    try {
      return (await call(client, name, args)).body
    } finally {
      await client.close()
    }
  }
  const started = await inConversation('chat-a', 'initiate-login___initiate_login', { email })
  assert.equal(started.success, true, JSON.stringify(started))
  const args = { email, otp_code: await latestCode(email), session_token: started.session_token }
  for (const other of ['chat-b', undefined]) {
    const elsewhere = await inConversation(other, 'verify-otp___verify_otp', args)
    assert.equal(elsewhere.error_code, 'LOGIN_NOT_FOUND', JSON.stringify(elsewhere))
  }
  const tokens = await inConversation('chat-a', 'verify-otp___verify_otp', args)
  assert.equal(tokens.event_type, 'auth_tokens', JSON.stringify(tokens))
})

after(() => console.log(`typescript mcp SDK: negotiated protocol versions ${[...negotiated].sort()}`))
