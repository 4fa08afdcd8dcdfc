// The production topology on loopback, for a person (start.mjs) and for the browser tests: the chat
// page (bundled by esbuild: the `ai` package's chat state with the contract package's
// AgentCoreChatTransport and its AgentCore module, on AWS's JavaScript SDK) on its own origin; the
// Runtime front door and Identity Pool (local-runtime) it signs its turns for; the agent (agent/,
// Strands on bedrock-agentcore) behind that door; and local-stack's `stack` (the local AgentCore
// Gateway, the functions under `cargo lambda watch`, the Cognito stand-in, moto's DynamoDB). Every server binds 127.0.0.1 on a
// free port; stop() ends them all.
import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

export const root = fileURLToPath(new URL('..', import.meta.url))
const here = fileURLToPath(new URL('.', import.meta.url))

/** The page's script: src/app.mjs with `ai` and the contract package's source, for browsers. */
export async function bundle() {
  const result = await build({
    entryPoints: [`${here}src/app.mjs`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    // credential-providers maps its entry to index.browser.js with an extension-less `browser`
    // key that esbuild does not match against the `module` entry (index.js), which would pull the
    // Node-only providers in: name the browser entry, as the package's own map does.
    alias: { '@aws-sdk/credential-providers': `${root}packages/contract/node_modules/@aws-sdk/credential-providers/dist-es/index.browser.js` },
  })
  return result.outputFiles[0].text
}

/** The first line of `child`'s stdout that `match` accepts (its result), or a rejection. */
function firstLine(child, name, match, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in ${timeoutMs / 1000} s`)), timeoutMs)
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      const found = match(line)
      if (found) {
        clearTimeout(timer)
        resolve(found)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with ${code} before it was ready`))
    })
  })
}

/** Ask `child` to stop (closing its stdin is how the stack is told), SIGTERM after 30 s. */
function stopped(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), 30_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    if (child.stdin && !child.stdin.destroyed) child.stdin.end()
    else child.kill('SIGTERM')
  })
}

/** `onStackLine` sees the stack's other output: the stand-in prints each code it emails there. */
export async function startTopology({ logs = `${root}target/browser-journey`, agentEnv = {}, onStackLine = () => {} } = {}) {
  mkdirSync(logs, { recursive: true })
  const children = []
  const script = await bundle()
  let config = null
  const files = {
    '/': ['text/html', readFileSync(`${here}index.html`)],
    '/style.css': ['text/css', readFileSync(`${here}style.css`)],
    '/app.js': ['text/javascript', script],
  }
  const page = createServer((req, res) => {
    const path = new URL(req.url, 'http://page').pathname
    if (path === '/config.json') return res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(config))
    const file = files[path]
    if (!file) return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1])
  })
  await new Promise((resolve) => page.listen(0, '127.0.0.1', resolve))
  const pageUrl = `http://127.0.0.1:${page.address().port}`
  const stop = async () => {
    for (const child of children.reverse()) await stopped(child)
    await new Promise((resolve) => page.close(resolve))
  }
  try {
    // The stack runs until its stdin closes: it also stops when this process dies.
    const stack = spawn(`${root}scripts/local-bin`, ['stack', '--seed-demo', '--cors-origin', pageUrl], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    children.push(stack)
    const endpoints = await firstLine(stack, 'the local stack', (line) => (line.startsWith('{') ? JSON.parse(line) : (onStackLine(line), null)), 900_000)
    /** Another agent process on this stack (`env` on top of the stack's agent settings): its
     * invocation URL and its log file. It stops with the topology. */
    const startAgent = async (name, env = {}) => {
      const log = `${logs}/${name}.log`
      const out = createWriteStream(log)
      const agent = spawn(`${root}.local/agent-venv/bin/python`, ['-u', '-m', 'booking_agent'], {
        cwd: `${root}agent`,
        env: { ...process.env, ...endpoints.agent_env, AGENT_PORT: '0', AGENT_MODEL: 'scripted', AGENT_CORS_ORIGINS: pageUrl, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      children.push(agent)
      agent.stderr.pipe(out)
      const url = await firstLine(agent, name, (line) => {
        out.write(`${line}\n`)
        return line.startsWith('agent listening on ') ? line.slice('agent listening on '.length).trim() : null
      }, 120_000)
      return { url: `${url}/invocations`, log }
    }
    const agent = await startAgent('agent', agentEnv)
    // The Runtime front door and Identity Pool (local-runtime) in front of the agent, as AgentCore
    // is deployed: the page signs each turn with Identity Pool credentials and sends it there.
    const frontDoor = spawn(`${root}scripts/local-bin`, ['local-runtime',
      '--user-pool-url', endpoints.standin, '--user-pool', endpoints.agent_env.USER_POOL_ID,
      '--client-id', endpoints.agent_env.USER_POOL_CLIENT_ID, '--agent-url', agent.url.replace(/\/invocations$/, '')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    children.push(frontDoor)
    const door = await firstLine(frontDoor, 'the Runtime front door', (line) => (line.startsWith('{') ? JSON.parse(line) : null), 600_000)
    // What a deployed stack's outputs give the page (docs/deployment.md).
    const runtime = {
      region: door.region,
      endpoint: door.endpoint,
      identityPoolId: door.identity_pool_id,
      guestRoleArn: door.guest_role,
      signedInRoleArn: door.signed_in_role,
      userPoolProvider: door.user_pool_provider,
      agentRuntimeArn: door.runtime_arn,
    }
    config = { runtime, refreshUrl: endpoints.refresh_url, signOutUrl: endpoints.sign_out_url }
    // agentUrl is the agent's own /invocations, behind the front door, for callers that skip it.
    return { pageUrl, standin: endpoints.standin, ...config, agentUrl: agent.url, demoEmail: endpoints.demo.email, agentLog: agent.log, startAgent, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
