import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_SESSION_KEY, SessionStore, isTokenDeliveryEvent, type KeyValueStorage } from '../src/index.js'
import { captured } from './captured.js'

class MemoryStorage implements KeyValueStorage {
  readonly items = new Map<string, string>()
  getItem(key: string) {
    return this.items.get(key) ?? null
  }
  setItem(key: string, value: string) {
    this.items.set(key, value)
  }
  removeItem(key: string) {
    this.items.delete(key)
  }
}

test('a delivered event becomes the stored session', () => {
  const event = captured('token-delivery-event')
  assert.ok(isTokenDeliveryEvent(event))
  let now = 1_000_000
  const storage = new MemoryStorage()
  const store = new SessionStore(storage, DEFAULT_SESSION_KEY, () => now)
  const session = store.saveFromEvent(event)
  assert.equal(session.accessToken, event.access_token)
  assert.equal(session.guestId, event.guest_id)
  assert.equal(session.expiresAt, 1_000_000 + event.expires_in * 1000)
  assert.deepEqual(store.get(), session)
  assert.equal(JSON.parse(storage.getItem('booking_session') ?? '{}').isAuthenticated, true)
  assert.equal(store.accessToken(), event.access_token)
  assert.equal(store.isExpired(), false)
  now += event.expires_in * 1000
  assert.equal(store.isExpired(), true)
})

test('a refresh replaces the session', () => {
  const first = captured('token-delivery-event')
  const second = captured('token-delivery-event-refresh')
  assert.ok(isTokenDeliveryEvent(first) && isTokenDeliveryEvent(second))
  const store = new SessionStore(new MemoryStorage())
  store.saveFromEvent(first)
  store.saveFromEvent(second)
  assert.equal(store.accessToken(), second.access_token)
})

test('clear and foreign data leave no session', () => {
  const storage = new MemoryStorage()
  const store = new SessionStore(storage)
  storage.setItem(DEFAULT_SESSION_KEY, '{not json')
  assert.equal(store.get(), null)
  storage.setItem(DEFAULT_SESSION_KEY, JSON.stringify({ isAuthenticated: true }))
  assert.equal(store.get(), null)
  const event = captured('token-delivery-event')
  assert.ok(isTokenDeliveryEvent(event))
  store.saveFromEvent(event)
  store.clear()
  assert.equal(store.get(), null)
  assert.equal(store.accessToken(), null)
  assert.equal(store.isExpired(), true)
})
