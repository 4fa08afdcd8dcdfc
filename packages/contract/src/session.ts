// The browser session built from a TokenDeliveryEvent, kept in localStorage (or any storage
// with the same three methods).
import type { TokenDeliveryEvent } from './generated.js'

export interface Session {
  isAuthenticated: true
  guestId: string
  email: string
  cognitoSub: string
  idToken: string
  accessToken: string
  refreshToken: string
  /** Epoch milliseconds when the access and ID tokens expire. */
  expiresAt: number
}

export interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export const DEFAULT_SESSION_KEY = 'booking_session'

export class SessionStore {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string = DEFAULT_SESSION_KEY,
    private readonly now: () => number = Date.now,
  ) {}

  /** Store the session an `auth_tokens` event describes (after sign-in or refresh). */
  saveFromEvent(event: TokenDeliveryEvent): Session {
    const session: Session = {
      isAuthenticated: true,
      guestId: event.guest_id,
      email: event.email,
      cognitoSub: event.cognito_sub,
      idToken: event.id_token,
      accessToken: event.access_token,
      refreshToken: event.refresh_token,
      expiresAt: this.now() + event.expires_in * 1000,
    }
    this.storage.setItem(this.key, JSON.stringify(session))
    return session
  }

  /** The stored session, or `null` when there is none or it is not one of ours. */
  get(): Session | null {
    const raw = this.storage.getItem(this.key)
    if (!raw) return null
    try {
      const s = JSON.parse(raw) as Partial<Session>
      const ok =
        s.isAuthenticated === true &&
        typeof s.accessToken === 'string' &&
        typeof s.refreshToken === 'string' &&
        typeof s.expiresAt === 'number' &&
        typeof s.guestId === 'string'
      return ok ? (s as Session) : null
    } catch {
      return null
    }
  }

  /** Whether the access token expires within `skewMs` (default 30 s). */
  isExpired(skewMs = 30_000): boolean {
    const s = this.get()
    return !s || s.expiresAt - skewMs <= this.now()
  }

  /** The access token to send as `Authorization: Bearer`, or `null` when there is no session. */
  accessToken(): string | null {
    return this.get()?.accessToken ?? null
  }

  clear(): void {
    this.storage.removeItem(this.key)
  }
}
