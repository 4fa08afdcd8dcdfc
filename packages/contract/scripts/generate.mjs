// Generate src/generated.ts from the JSON Schemas that the Rust contract types produce
// (infra/schemas/*.schema.json) and the wire facts beside them (infra/generated/wire.json).
// `node scripts/generate.mjs --check` fails instead of writing when the checked-in file is stale.
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compile } from 'json-schema-to-typescript'

const here = dirname(fileURLToPath(import.meta.url))
const schemas = join(here, '../../../infra/schemas')
const target = join(here, '../src/generated.ts')
// AgentCore's wire facts and the contract's secret fields, written by infra/generate from Rust.
const wire = join(here, '../../../infra/generated/wire.json')

export async function generate() {
  const files = (await readdir(schemas)).filter((f) => f.endsWith('.schema.json')).sort()
  const parts = [
    '// Generated from infra/schemas/*.schema.json and infra/generated/wire.json by scripts/generate.mjs. Do not edit.',
    '/* eslint-disable */',
  ]
  const seen = new Set()
  let errorCodes = null
  for (const file of files) {
    const schema = JSON.parse(await readFile(join(schemas, file), 'utf8'))
    const ts = await compile(schema, schema.title, {
      bannerComment: '',
      additionalProperties: false,
      strictIndexSignatures: true,
      format: true,
    })
    // Shared definitions (ErrorCode, Reservation) appear once.
    for (const block of ts.split(/\n(?=export )/)) {
      const name = /^export (?:interface|type) (\w+)/.exec(block.trim())?.[1]
      if (name && seen.has(name)) continue
      if (name) seen.add(name)
      parts.push(block.trim())
    }
    errorCodes ??= schema.$defs?.ErrorCode?.enum ?? null
  }
  if (!errorCodes) throw new Error('failure.schema.json has no ErrorCode enum')
  parts.push(`/** Every error code of the contract, for runtime checks. */\nexport const ERROR_CODES = ${JSON.stringify(errorCodes)} as const`)
  const facts = JSON.parse(await readFile(wire, 'utf8'))
  parts.push(
    `/** The header the guest's token travels in to the agent and through the Gateway. */\nexport const GUEST_TOKEN_HEADER = ${JSON.stringify(facts.guest_token_header)}`,
    `/** The header that names the conversation. */\nexport const CONVERSATION_HEADER = ${JSON.stringify(facts.conversation_header)}`,
    `/** The answer fields the contract types declare secret: the chat state never gets them. */\nexport const SECRET_OUTPUT_FIELDS = ${JSON.stringify(facts.secret_fields.outputs)} as const`,
  )
  return parts.join('\n\n') + '\n'
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await generate()
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '')
    if (current !== text) {
      console.error('src/generated.ts is stale: run npm run generate')
      process.exit(1)
    }
  } else {
    await writeFile(target, text)
  }
}
