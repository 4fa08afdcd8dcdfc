// Starts the whole topology once for the guide's test; its page and stand-in reach the tests (and
// the config's baseURL, evaluated again in the workers) through the environment.
import { startTopology } from '../topology.mjs'

export default async function globalSetup() {
  const topology = await startTopology()
  process.env.GUIDE_PAGE_URL = topology.pageUrl
  process.env.STANDIN_URL = topology.standin
  return () => topology.stop()
}
