import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isTokenDeliveryEvent, isToolFailure, readToolResults, type ToolResult } from '../src/index.js'
import { captured } from './captured.js'

const sse = (events: unknown[]) => events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join('')

/** Split text into tiny chunks, as a network would, including inside multi-byte characters. */
async function* chunks(text: string, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size)
}

async function collect(stream: AsyncIterable<Uint8Array | string>): Promise<ToolResult[]> {
  const out: ToolResult[] = []
  for await (const r of readToolResults(stream)) out.push(r)
  return out
}

test('the AI SDK UI message stream yields the auth_tokens event of verify_otp', async () => {
  const event = captured('token-delivery-event')
  const text = sse([
    { type: 'start', messageId: 'm1' },
    { type: 'text-start', id: 't1' },
    { type: 'text-delta', id: 't1', delta: 'Checking your code… ✓' },
    { type: 'tool-input-start', toolCallId: 'call-1', toolName: 'verify_otp' },
    { type: 'tool-input-available', toolCallId: 'call-1', toolName: 'verify_otp', input: { otp_code: '12345678' } },
    { type: 'tool-output-available', toolCallId: 'call-1', output: event },
    { type: 'text-end', id: 't1' },
    { type: 'finish' },
    '[DONE]',
    { type: 'tool-output-available', toolCallId: 'after-done', output: {} },
  ])
  const results = await collect(chunks(text))
  assert.equal(results.length, 1)
  assert.equal(results[0]?.toolName, 'verify_otp')
  assert.equal(results[0]?.source, 'ai-sdk')
  assert.equal(isTokenDeliveryEvent(results[0]?.output), true)
})

test('a web ReadableStream works too, and failures come through typed', async () => {
  const failure = captured('failure-token-expired')
  const text = sse([{ type: 'tool-output-available', toolCallId: 'c', output: failure }, { type: 'finish' }])
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text))
      controller.close()
    },
  })
  const [result] = await collect(stream as unknown as AsyncIterable<Uint8Array>)
  assert.equal(isToolFailure(result?.output), true)
})

test('Strands toolResult messages yield their json or text content', async () => {
  const event = captured('token-delivery-event-refresh')
  const reservations = captured('reservations-result')
  const text = sse([
    { data: 'thinking', delta: { text: 'ok' } },
    { message: { role: 'user', content: [{ toolResult: { toolUseId: 'tu-1', status: 'success', content: [{ json: event }] } }] } },
    { message: { role: 'user', content: [{ toolResult: { toolUseId: 'tu-2', status: 'success', content: [{ text: JSON.stringify(reservations) }] } }] } },
    'not json at all',
  ])
  const results = await collect(chunks(text, 64))
  assert.deepEqual(
    results.map((r) => [r.toolCallId, r.source]),
    [
      ['tu-1', 'strands'],
      ['tu-2', 'strands'],
    ],
  )
  assert.equal(isTokenDeliveryEvent(results[0]?.output), true)
  assert.deepEqual(results[1]?.output, reservations)
})

test('CRLF line endings and multi-line data are read', async () => {
  const event = captured('login-started')
  const body = JSON.stringify({ type: 'tool-output-available', toolCallId: 'x', output: event }, null, 1)
  const text = body.split('\n').map((l) => `data: ${l}`).join('\r\n') + '\r\n\r\n'
  const [result] = await collect(chunks(text, 5))
  assert.deepEqual(result?.output, event)
})
