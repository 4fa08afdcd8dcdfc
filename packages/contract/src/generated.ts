// Generated from infra/schemas/*.schema.json and infra/generated/wire.json by scripts/generate.mjs. Do not edit.

/* eslint-disable */

/**
 * Stable error codes of the wire contract. Frontends and agents branch on these strings.
 */

export type ErrorCode =
  | "INVALID_EMAIL"
  | "INVALID_OTP_FORMAT"
  | "INVALID_OTP"
  | "OTP_EXPIRED"
  | "MAX_ATTEMPTS"
  | "LOGIN_NOT_FOUND"
  | "RATE_LIMITED"
  | "AUTH_REQUIRED"
  | "TOKEN_EXPIRED"
  | "INVALID_TOKEN"
  | "REFRESH_FAILED"
  | "UPSTREAM_UNAVAILABLE"
  | "EMAIL_QUOTA_EXCEEDED"
  | "INVALID_INPUT"
  | "INTERNAL_ERROR";

/**
 * The failure shape of every tool.
 */

export interface Failure {
  success: false;
  error_code: ErrorCode;
  /**
   * Safe to show the guest.
   */
  message: string;
  /**
   * Whether the same call may succeed if repeated (after `retry_after` seconds when given).
   */
  retryable: boolean;
  /**
   * `INVALID_OTP`, `MAX_ATTEMPTS`: wrong codes so far for this login, as the server counted them.
   */
  attempts?: number | null;
  /**
   * `INVALID_OTP`, `MAX_ATTEMPTS`: wrong codes still allowed.
   */
  attempts_remaining?: number | null;
  /**
   * `RATE_LIMITED`: seconds to wait.
   */
  retry_after?: number | null;
}

export interface LoginStarted {
  success: true;
  /**
   * Opaque handle for `verify_otp`; the Cognito session it refers to never leaves the server.
   */
  session_token: string;
  /**
   * RFC 3339 UTC.
   */
  otp_sent_at: string;
  /**
   * Seconds until the code expires.
   */
  expires_in: number;
  /**
   * Masked address, e.g. `j***@e***.com`.
   */
  delivery: string;
  /**
   * A sentence to show the guest.
   */
  message: string;
}

export interface ReservationsResult {
  success: true;
  /**
   * `null` for a verified user who has never completed a sign-in through `verify_otp`.
   */
  guest_id: string | null;
  /**
   * In the order the filter gives: newest stay first, upcoming soonest first, past most recent
   * first.
   */
  reservations: Reservation[];
  /**
   * Pass it back as `next_token` (with the same filter) for the next page; `null` when this is
   * the last. Opaque, and usable only for this guest.
   */
  next_token: string | null;
}
/**
 * One reservation as the contract returns it. The keys (`cognito_sub`, `stay_key`) are storage
 * detail and never leave the function.
 */

export interface Reservation {
  /**
   * The booking reference, e.g. `RES-2027-0315`.
   */
  reservation_id: string;
  property_name: string;
  room_type?: string | null;
  /**
   * Arrival date, `YYYY-MM-DD`.
   */
  check_in: string;
  /**
   * Departure date, `YYYY-MM-DD`.
   */
  check_out: string;
  /**
   * e.g. `confirmed`, `cancelled`, `completed`.
   */
  status: string;
  /**
   * Number of guests.
   */
  guests?: number | null;
  /**
   * Decimal amount as a string, e.g. `"1490.00"`.
   */
  total_amount?: string | null;
  /**
   * ISO 4217 code, e.g. `EUR`.
   */
  currency?: string | null;
}

export interface SignedOut {
  success: true;
  /**
   * Whether the access token was put on the revocation list (it needs the access token). When
   * false and no token was sent, the access token stays valid until it expires.
   */
  access_token_revoked: boolean;
  /**
   * Whether every session of the guest was ended.
   */
  global: boolean;
  /**
   * A sentence to show the guest.
   */
  message: string;
}

/**
 * The `auth_tokens` delivery event: the frontend finds it in the agent's stream and stores the
 * session. `verify_otp` and `refresh` both answer with it, so one type guard serves both.
 */

export interface TokenDeliveryEvent {
  /**
   * The discriminator a frontend looks for in the agent's stream.
   */
  event_type: "auth_tokens";
  success: true;
  /**
   * Cognito ID token (JWT).
   */
  id_token: string;
  /**
   * Cognito access token (JWT): send it as `Authorization: Bearer` with later requests (an
   * agent's code sends it to the Gateway as `X-Guest-Authorization: Bearer`).
   */
  access_token: string;
  /**
   * For `refresh`; store it securely.
   */
  refresh_token: string;
  /**
   * Seconds until the access and ID tokens expire.
   */
  expires_in: number;
  /**
   * The guest's booking reference, e.g. `GST-2026-7K2Q9X`.
   */
  guest_id: string;
  email: string;
  /**
   * The Cognito user id (`sub`).
   */
  cognito_sub: string;
}

/** Every error code of the contract, for runtime checks. */
export const ERROR_CODES = ["INVALID_EMAIL","INVALID_OTP_FORMAT","INVALID_OTP","OTP_EXPIRED","MAX_ATTEMPTS","LOGIN_NOT_FOUND","RATE_LIMITED","AUTH_REQUIRED","TOKEN_EXPIRED","INVALID_TOKEN","REFRESH_FAILED","UPSTREAM_UNAVAILABLE","EMAIL_QUOTA_EXCEEDED","INVALID_INPUT","INTERNAL_ERROR"] as const

/** The header the guest's token travels in to the agent and through the Gateway. */
export const GUEST_TOKEN_HEADER = "X-Guest-Authorization"

/** The header that names the conversation. */
export const CONVERSATION_HEADER = "X-Conversation-Id"

/** The answer fields the contract types declare secret: the chat state never gets them. */
export const SECRET_OUTPUT_FIELDS = ["access_token","id_token","refresh_token","session_token"] as const
