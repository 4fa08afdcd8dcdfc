import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  ERROR_CODES,
  isErrorCode,
  isFailureWith,
  isLoginStarted,
  isReservationsResult,
  isSignedOut,
  isTokenDeliveryEvent,
  isToolFailure,
  needsNewCode,
  needsRefresh,
  needsSignIn,
} from '../src/index.js'
import { captured, capturedNames } from './captured.js'

test('the auth_tokens events of verify_otp and refresh pass the guard', () => {
  for (const name of ['token-delivery-event', 'token-delivery-event-refresh']) {
    assert.equal(isTokenDeliveryEvent(captured(name)), true, name)
  }
})

test('an event missing a token or with a wrong discriminator does not', () => {
  const event = captured('token-delivery-event') as Record<string, unknown>
  for (const broken of [
    { ...event, access_token: undefined },
    { ...event, event_type: 'tokens' },
    { ...event, success: 'true' },
    { ...event, expires_in: '3600' },
    null,
    'auth_tokens',
  ]) {
    assert.equal(isTokenDeliveryEvent(broken), false, JSON.stringify(broken)?.slice(0, 80))
  }
})

test('every captured failure is a typed failure with its own code, never a token event', () => {
  const names = capturedNames('failure-')
  assert.ok(names.length >= 8, `expected the e2e tests to capture the failures, found ${names.join(', ')}`)
  for (const name of names) {
    const failure = captured(name)
    assert.equal(isToolFailure(failure), true, name)
    assert.equal(isTokenDeliveryEvent(failure), false, name)
    const code = name.slice('failure-'.length).toUpperCase().replace(/-/g, '_')
    assert.ok(isErrorCode(code), code)
    assert.equal(isFailureWith(failure, code as (typeof ERROR_CODES)[number]), true, name)
  }
})

test('failures say what the frontend does next', () => {
  const expired = captured('failure-token-expired')
  assert.ok(isToolFailure(expired))
  assert.equal(needsRefresh(expired), true)
  assert.equal(needsSignIn(expired), false)
  for (const name of ['failure-invalid-token', 'failure-auth-required', 'failure-refresh-failed']) {
    const f = captured(name)
    assert.ok(isToolFailure(f))
    assert.equal(needsSignIn(f), true, name)
    assert.equal(needsRefresh(f), false, name)
  }
  for (const name of ['failure-max-attempts', 'failure-otp-expired']) {
    const f = captured(name)
    assert.ok(isToolFailure(f))
    assert.equal(needsNewCode(f), true, name)
  }
  const limited = captured('failure-rate-limited')
  assert.ok(isFailureWith(limited, 'RATE_LIMITED'))
  assert.equal(limited.retryable, true)
  assert.equal(typeof limited.retry_after, 'number')
  const wrong = captured('failure-invalid-otp')
  assert.ok(isFailureWith(wrong, 'INVALID_OTP'))
  assert.equal(wrong.attempts_remaining, 2)
})

test('the other results pass their guards', () => {
  assert.equal(isLoginStarted(captured('login-started')), true)
  assert.equal(isReservationsResult(captured('reservations-result')), true)
  assert.equal(isSignedOut(captured('signed-out')), true)
  assert.equal(isReservationsResult(captured('token-delivery-event')), false)
})

test('a page of reservations says whether more follow: next_token is a string or null, never missing', () => {
  const last = captured('reservations-result') as Record<string, unknown>
  assert.equal(last.next_token, null, 'the journey guest has fewer stays than a page')
  const page = captured('reservations-page') as Record<string, unknown>
  assert.equal(typeof page.next_token, 'string', 'a guest with more stays than a page')
  assert.equal(isReservationsResult(page), true)
  const { next_token: _dropped, ...withoutToken } = page
  assert.equal(isReservationsResult(withoutToken), false)
  assert.equal(isReservationsResult({ ...page, next_token: 7 }), false)
})
