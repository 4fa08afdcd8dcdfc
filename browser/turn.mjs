// One chat turn through an AI SDK ChatTransport, as a chat sends it: the chunks the transport
// streamed, and the assistant message the AI SDK's own readUIMessageStream builds from them.
import { readUIMessageStream } from 'ai'

export async function turn(transport, chatId, text) {
  const stream = await transport.sendMessages({
    chatId,
    trigger: 'submit-message',
    messageId: undefined,
    abortSignal: undefined,
    messages: [{ id: crypto.randomUUID(), role: 'user', parts: [{ type: 'text', text }] }],
  })
  const [forChunks, forMessage] = stream.tee()
  const chunks = []
  const reading = (async () => {
    const reader = forChunks.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      chunks.push(value)
    }
  })()
  let message
  for await (const m of readUIMessageStream({ stream: forMessage })) message = m
  await reading
  return { chunks, message }
}
