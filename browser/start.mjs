// `node browser/start.mjs` (scripts/chat): the whole topology for a person. Prints the page's
// address and, as they arrive, the codes the Cognito stand-in emails; Ctrl-C stops everything.
import { startTopology } from './topology.mjs'

console.log('Starting the local stack, the agent, its Runtime front door and the chat page (the first start builds the functions)…')
const topology = await startTopology({
  onStackLine: (line) => {
    if (line.startsWith('[cognito-stand-in]')) console.log(`  ✉  ${line.slice('[cognito-stand-in] '.length)}`)
  },
})
console.log(`
Open ${topology.pageUrl} and sign in as ${topology.demoEmail} (three reservations) or any address.
  the Runtime front door and Identity Pool: ${topology.runtime.endpoint} (the page signs each turn for ${topology.runtime.agentRuntimeArn})
  the agent behind it: ${topology.agentUrl}
  the codes emailed: printed here, and at ${topology.standin}/_inbox?email=<address>
Press Ctrl-C to stop everything.`)
let stopping = false
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return
    stopping = true
    await topology.stop()
    process.exit(0)
  })
}
