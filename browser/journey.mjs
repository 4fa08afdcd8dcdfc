// README command 1's second half (scripts/journey): the whole topology on loopback (topology.mjs),
// the feature guide's journey walked through it as the chat page does (walk.mjs), then stopped.
import { root, startTopology } from './topology.mjs'
import { walk } from './walk.mjs'

console.log('\nThrough the Runtime front door: starting the local stack, the agent and local-runtime…')
const topology = await startTopology({ logs: `${root}target/journey-topology` })
let failed = false
try {
  console.log(`The page's AWS clients sign each turn for ${topology.runtime.agentRuntimeArn} at ${topology.runtime.endpoint}\n`)
  await walk(topology)
} catch (error) {
  failed = true
  console.error(`\nThe journey stopped: ${error.message}`)
} finally {
  await topology.stop()
}
process.exit(failed ? 1 : 0)
