// The feature guide's "E2E Test: Browser Auth Flow", as written, against the chat page of the
// whole topology (global-setup.mjs starts it). One change: the code is the one the local inbox
// received (latestCode), where the guide typed its mocked '123456'.
import { latestCode } from './inbox'

import { test, expect } from '@playwright/test'

test('user can authenticate and make authenticated requests', async ({ page }) => {
  await page.goto('/')

  // Start chat and request booking
  await page.fill('[data-testid="chat-input"]', 'I want to book March 15-20')
  await page.click('[data-testid="send-button"]')

  // Wait for agent to ask for email
  await expect(page.locator('text=email')).toBeVisible()

  // Provide email
  await page.fill('[data-testid="chat-input"]', 'John Doe, test@example.com')
  await page.click('[data-testid="send-button"]')

  // Wait for OTP prompt
  await expect(page.locator('text=verification code')).toBeVisible()

  // Enter OTP (mocked in test environment)
  await page.fill('[data-testid="chat-input"]', await latestCode('test@example.com'))
  await page.click('[data-testid="send-button"]')

  // Verify session stored
  const session = await page.evaluate(() =>
    JSON.parse(localStorage.getItem('booking_session') || 'null')
  )
  expect(session).not.toBeNull()
  expect(session.isAuthenticated).toBe(true)
  expect(session.accessToken).toBeTruthy()
})
