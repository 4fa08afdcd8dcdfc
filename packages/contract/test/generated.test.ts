import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

test('src/generated.ts is what the checked-in JSON Schemas generate', async () => {
  const script = new URL('../../scripts/generate.mjs', import.meta.url).href
  const { generate } = (await import(script)) as { generate: () => Promise<string> }
  const current = readFileSync(new URL('../../src/generated.ts', import.meta.url), 'utf8')
  assert.equal(current, await generate(), 'stale: run npm run generate in packages/contract')
})
