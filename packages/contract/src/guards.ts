// Runtime guards for the tool results, so a frontend can trust what it picks out of a stream.
import { ERROR_CODES } from './generated.js'
import type { ErrorCode, Failure, LoginStarted, ReservationsResult, SignedOut, TokenDeliveryEvent } from './generated.js'

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0

/** The `auth_tokens` event that `verify_otp` and `refresh` deliver. */
export function isTokenDeliveryEvent(value: unknown): value is TokenDeliveryEvent {
  return (
    isObject(value) &&
    value.event_type === 'auth_tokens' &&
    value.success === true &&
    isNonEmptyString(value.id_token) &&
    isNonEmptyString(value.access_token) &&
    isNonEmptyString(value.refresh_token) &&
    typeof value.expires_in === 'number' &&
    value.expires_in > 0 &&
    isNonEmptyString(value.guest_id) &&
    isString(value.email) &&
    isNonEmptyString(value.cognito_sub)
  )
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)
}

/** The failure shape shared by every tool. */
export function isToolFailure(value: unknown): value is Failure {
  return (
    isObject(value) &&
    value.success === false &&
    isErrorCode(value.error_code) &&
    isString(value.message) &&
    typeof value.retryable === 'boolean'
  )
}

/** A failure with one particular code, e.g. `isFailureWith(result, 'TOKEN_EXPIRED')`. */
export function isFailureWith<C extends ErrorCode>(value: unknown, code: C): value is Failure & { error_code: C } {
  return isToolFailure(value) && value.error_code === code
}

export function isLoginStarted(value: unknown): value is LoginStarted {
  return (
    isObject(value) &&
    value.success === true &&
    isNonEmptyString(value.session_token) &&
    isString(value.otp_sent_at) &&
    typeof value.expires_in === 'number' &&
    isString(value.delivery)
  )
}

export function isReservationsResult(value: unknown): value is ReservationsResult {
  return (
    isObject(value) &&
    value.success === true &&
    (value.guest_id === null || isString(value.guest_id)) &&
    Array.isArray(value.reservations) &&
    value.reservations.every((r) => isObject(r) && isString(r.reservation_id) && isString(r.check_in)) &&
    (value.next_token === null || isString(value.next_token))
  )
}

export function isSignedOut(value: unknown): value is SignedOut {
  return isObject(value) && value.success === true && typeof value.access_token_revoked === 'boolean'
}

/** The access token expired: refresh once, then retry the call. */
export function needsRefresh(failure: Failure): boolean {
  return failure.error_code === 'TOKEN_EXPIRED'
}

const SIGN_IN_AGAIN: readonly ErrorCode[] = ['AUTH_REQUIRED', 'INVALID_TOKEN', 'REFRESH_FAILED']

/** The session is gone: return to sign-in, without retrying. */
export function needsSignIn(failure: Failure): boolean {
  return SIGN_IN_AGAIN.includes(failure.error_code)
}

const NEW_CODE: readonly ErrorCode[] = ['MAX_ATTEMPTS', 'OTP_EXPIRED', 'LOGIN_NOT_FOUND']

/** The pending sign-in cannot be completed: ask for a new code. */
export function needsNewCode(failure: Failure): boolean {
  return NEW_CODE.includes(failure.error_code)
}
