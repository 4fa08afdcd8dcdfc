// The code the Cognito stand-in sent to `email`: its local inbox (STANDIN_URL, from global-setup.mjs).
export async function latestCode(email: string): Promise<string> {
  const response = await fetch(`${process.env.STANDIN_URL}/_inbox?email=${encodeURIComponent(email)}`)
  const { messages } = (await response.json()) as { messages: { code: string }[] }
  const code = messages.at(-1)?.code
  if (!code) throw new Error(`no code in the local inbox for ${email}`)
  return code
}
