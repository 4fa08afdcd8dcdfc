// The page's way to AgentCore Runtime with AWS's own browser clients, no backend of its own:
// Identity Pool credentials for the guest (and, once signed in, for the same identity upgraded with
// the user pool's ID token), and each chat turn sent with InvokeAgentRuntime, signed with them.
// Imported as `@booking-auth/contract/agentcore`, so the AWS SDK is needed only where it is used.
//
// Both kinds of guest take Cognito's basic (classic) flow: GetId, GetOpenIdToken, then STS
// AssumeRoleWithWebIdentity on the role the stack outputs. The enhanced flow is closed to
// anonymous guests here, because AWS scopes its unauthenticated credentials with a managed session
// policy that allows no AgentCore action (https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html).
// With the ID token in `Logins`, GetOpenIdToken links the guest's identity to the login; when the
// login already has an identity (another device), the guest's is merged into it and the answer
// names that one, which is kept from then on
// (https://docs.aws.amazon.com/cognito/latest/developerguide/switching-identities.html).
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore'
import { CognitoIdentityClient, GetIdCommand, GetOpenIdTokenCommand } from '@aws-sdk/client-cognito-identity'
import { fromWebToken } from '@aws-sdk/credential-providers'
import type { Session, KeyValueStorage, SessionStore } from './session.js'
import { AgentCoreChatTransport, GUEST_TOKEN_HEADER, type AgentInvoker } from './transport.js'

/** AWS credentials as the SDK's clients take them. */
export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

/** What the stack's outputs give the page (docs/deployment.md). */
export interface IdentityPoolConfig {
  region: string
  identityPoolId: string
  guestRoleArn: string
  signedInRoleArn: string
  /** `cognito-idp.<region>.amazonaws.com/<user pool id>`: the provider key of `Logins`. */
  userPoolProvider: string
  /** A local stack's endpoint for Cognito Identity and STS; deployed, AWS's own are used. */
  endpoint?: string
}

export const DEFAULT_IDENTITY_KEY = 'booking_identity'
/** Credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 60_000
const ROLE_SESSION_NAME = 'booking-chat'

/** Cognito's answer when an identity and the logins presented do not belong together (a signed-in
 * identity asked for without its login, or another user's), or a login token is refused. */
const isNotAuthorized = (error: unknown) => (error as { name?: string })?.name === 'NotAuthorizedException'
const isGone = (error: unknown) => (error as { name?: string })?.name === 'ResourceNotFoundException'

/** Identity Pool credentials for whoever the page's session says is chatting. */
export class IdentityPoolCredentials {
  private readonly cognito: CognitoIdentityClient
  private cached: { key: string; credentials: Credentials } | null = null

  constructor(
    private readonly config: IdentityPoolConfig,
    private readonly sessions: SessionStore,
    private readonly storage: KeyValueStorage,
    private readonly storageKey: string = DEFAULT_IDENTITY_KEY,
    private readonly now: () => number = Date.now,
  ) {
    this.cognito = new CognitoIdentityClient({ region: config.region, endpoint: config.endpoint })
  }

  /** The identity the page acts as (kept across reloads), or null before the first turn. */
  identityId(): string | null {
    return this.storage.getItem(this.storageKey)
  }

  /** Credentials for the current session: signed in when it holds an ID token Cognito accepts,
   * a guest's otherwise (the agent then refuses the guest's token itself, and the transport's
   * session rules take over). Cached until a minute before they expire or the session changes. */
  async credentials(): Promise<Credentials> {
    const idToken = this.sessions.get()?.idToken
    const key = idToken ?? 'guest'
    const cached = this.cached
    if (cached && cached.key === key && (cached.credentials.expiration?.getTime() ?? 0) - RENEW_BEFORE_MS > this.now()) {
      return cached.credentials
    }
    let credentials: Credentials | null = null
    if (idToken) {
      const logins = { [this.config.userPoolProvider]: idToken }
      try {
        credentials = await this.exchange(await this.openIdToken(logins), this.config.signedInRoleArn)
      } catch (error) {
        if (!isNotAuthorized(error)) throw error
      }
    }
    credentials ??= await this.exchange(await this.openIdToken(undefined), this.config.guestRoleArn)
    this.cached = { key, credentials }
    return credentials
  }

  /** An OpenID token for the stored identity with these logins. An identity that does not go with
   * them (signed out, or another user's) or no longer exists is replaced by the one GetId names. */
  private async openIdToken(logins: Record<string, string> | undefined): Promise<string> {
    const stored = this.identityId()
    if (stored) {
      try {
        return await this.tokenFor(stored, logins)
      } catch (error) {
        if (!isNotAuthorized(error) && !isGone(error)) throw error
        this.storage.removeItem(this.storageKey)
      }
    }
    const { IdentityId } = await this.cognito.send(new GetIdCommand({ IdentityPoolId: this.config.identityPoolId, Logins: logins }))
    if (!IdentityId) throw new Error('GetId answered without an IdentityId')
    return this.tokenFor(IdentityId, logins)
  }

  private async tokenFor(identityId: string, logins: Record<string, string> | undefined): Promise<string> {
    const answer = await this.cognito.send(new GetOpenIdTokenCommand({ IdentityId: identityId, Logins: logins }))
    if (!answer.Token || !answer.IdentityId) throw new Error('GetOpenIdToken answered without a token')
    // A merge names the surviving identity: keep that one.
    this.storage.setItem(this.storageKey, answer.IdentityId)
    return answer.Token
  }

  private exchange(webIdentityToken: string, roleArn: string): Promise<Credentials> {
    const clientConfig = { region: this.config.region, endpoint: this.config.endpoint }
    return fromWebToken({ roleArn, webIdentityToken, roleSessionName: ROLE_SESSION_NAME, clientConfig })()
  }
}

export interface AgentRuntimeInvokerOptions {
  region: string
  agentRuntimeArn: string
  credentials: () => Promise<Credentials>
  /** The runtime endpoint; AgentCore's default is DEFAULT. */
  qualifier?: string
  /** A local stack's Runtime front door; deployed, AWS's own endpoint is used. */
  endpoint?: string
  /** The one header the runtime's allowlist passes to the agent besides the session id. */
  tokenHeader?: string
}

/** An `AgentInvoker` for AgentCoreChatTransport that sends each turn with InvokeAgentRuntime. */
export function agentRuntimeInvoker(options: AgentRuntimeInvokerOptions): AgentInvoker {
  const tokenHeader = (options.tokenHeader ?? GUEST_TOKEN_HEADER).toLowerCase()
  return async (turn) => {
    // A client per turn, so each is signed with the credentials of the session at that moment
    // (the SDK caches a provider's credentials until they expire, whoever signs in meanwhile).
    const client = new BedrockAgentCoreClient({
      region: options.region,
      endpoint: options.endpoint,
      credentials: await options.credentials(),
      // The transport retries network errors and 5xx answers itself.
      maxAttempts: 1,
    })
    const command = new InvokeAgentRuntimeCommand({
      agentRuntimeArn: options.agentRuntimeArn,
      qualifier: options.qualifier,
      runtimeSessionId: turn.sessionId,
      contentType: 'application/json',
      accept: 'text/event-stream',
      payload: new TextEncoder().encode(turn.body),
    })
    // The guest's token has no member in the API: it travels as the allowlisted header, added
    // before signing so the signature covers it. Never in the body.
    const token = Object.entries(turn.headers).find(([name]) => name.toLowerCase() === tokenHeader)?.[1]
    command.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers?: Record<string, string> }
        if (token && request.headers) request.headers[tokenHeader] = token
        return next(args)
      },
      { step: 'build', name: 'guestTokenHeader' },
    )
    try {
      const out = await client.send(command, { abortSignal: turn.signal })
      if (!out.response) return new Response(null, { status: 502 })
      return new Response(out.response.transformToWebStream(), {
        status: out.statusCode ?? 200,
        headers: { 'content-type': out.contentType ?? 'text/event-stream' },
      })
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
      // No status: the request never got an answer (network, abort); the transport decides.
      if (status === undefined) throw error
      return new Response(JSON.stringify({ error: (error as Error).name }), { status, headers: { 'content-type': 'application/json' } })
    }
  }
}

/** What the stack's outputs give the page for the agent: the Identity Pool and the runtime. */
export interface AgentCoreConfig extends IdentityPoolConfig {
  agentRuntimeArn: string
}

export interface AgentCoreChatOptions {
  runtime: AgentCoreConfig
  /** The `refresh` function over HTTP (the stack's `HttpApiUrl` + `/auth/refresh`). */
  refreshUrl: string
  /** The `sign_out` function over HTTP, for a sign-out button. */
  signOutUrl?: string
  store: SessionStore
  /** Where the identity id is kept across reloads (the page's `localStorage`). */
  storage: KeyValueStorage
  onSessionChange?: (session: Session | null) => void
}

/** The page's chat transport to the agent on AgentCore Runtime, and the Identity Pool credentials
 * it signs each turn with. */
export function agentCoreChat(options: AgentCoreChatOptions): {
  transport: AgentCoreChatTransport
  identity: IdentityPoolCredentials
} {
  const { runtime } = options
  const identity = new IdentityPoolCredentials(runtime, options.store, options.storage)
  const transport = new AgentCoreChatTransport({
    invoke: agentRuntimeInvoker({
      region: runtime.region,
      endpoint: runtime.endpoint,
      agentRuntimeArn: runtime.agentRuntimeArn,
      credentials: () => identity.credentials(),
    }),
    refreshUrl: options.refreshUrl,
    signOutUrl: options.signOutUrl,
    store: options.store,
    onSessionChange: options.onSessionChange,
  })
  return { transport, identity }
}
