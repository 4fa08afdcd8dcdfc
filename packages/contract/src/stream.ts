// Find tool results in an agent's SSE stream. Two forms are understood:
// - the Vercel AI SDK UI message stream (`x-vercel-ai-ui-message-stream: v1`): `tool-input-available`
//   names the tool, `tool-output-available` carries its output;
// - Strands agents' messages: a `toolResult` content block (`{toolUseId, status, content: [{json}|{text}]}`).

export interface ToolResult {
  toolCallId: string
  /** Known when the stream announced the call (`tool-input-available` / `tool-input-start`). */
  toolName?: string
  output: unknown
  source: 'ai-sdk' | 'strands'
}

type Chunk = Uint8Array | string

/** The `data:` payloads of an SSE stream, one per event; `[DONE]` ends it. */
export async function* sseData(stream: ReadableStream<Uint8Array> | AsyncIterable<Chunk>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffer = ''
  const iterable: AsyncIterable<Chunk> =
    Symbol.asyncIterator in stream ? (stream as AsyncIterable<Chunk>) : readerIterable(stream as ReadableStream<Uint8Array>)
  for await (const chunk of iterable) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    buffer = buffer.replace(/\r\n/g, '\n')
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n')
      if (data === '[DONE]') return
      if (data) yield data
    }
  }
}

async function* readerIterable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

function strandsOutput(block: Record<string, unknown>): unknown {
  const content = Array.isArray(block.content) ? (block.content as Record<string, unknown>[]) : []
  const json = content.find((c) => 'json' in c)
  if (json) return json.json
  const text = content.find((c) => typeof c.text === 'string')?.text as string | undefined
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Every tool result in the stream, in order. Non-JSON events and other event types are skipped. */
export async function* readToolResults(stream: ReadableStream<Uint8Array> | AsyncIterable<Chunk>): AsyncGenerator<ToolResult> {
  const names = new Map<string, string>()
  for await (const data of sseData(stream)) {
    let event: Record<string, unknown>
    try {
      event = JSON.parse(data) as Record<string, unknown>
    } catch {
      continue
    }
    if ((event.type === 'tool-input-available' || event.type === 'tool-input-start') && typeof event.toolCallId === 'string') {
      if (typeof event.toolName === 'string') names.set(event.toolCallId, event.toolName)
      continue
    }
    if (event.type === 'tool-output-available' && typeof event.toolCallId === 'string') {
      yield { toolCallId: event.toolCallId, toolName: names.get(event.toolCallId), output: event.output, source: 'ai-sdk' }
      continue
    }
    const message = (event.message ?? event) as Record<string, unknown>
    const content = Array.isArray(message.content) ? (message.content as Record<string, unknown>[]) : []
    for (const block of content) {
      const result = block.toolResult as Record<string, unknown> | undefined
      if (result && typeof result.toolUseId === 'string') {
        yield { toolCallId: result.toolUseId, output: strandsOutput(result), source: 'strands' }
      }
    }
  }
}
