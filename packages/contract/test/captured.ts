// Outputs of the real functions, captured by the end-to-end tests on the local stack
// (`cargo test --workspace --test e2e` writes them to target/local-stack/captured/).
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('../../../../target/local-stack/captured/', import.meta.url))

export function captured(name: string): unknown {
  try {
    return JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8'))
  } catch (e) {
    throw new Error(`no captured output ${name}.json in ${dir}: run the end-to-end tests first (scripts/test does) — ${String(e)}`)
  }
}

export function capturedNames(prefix: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
}
