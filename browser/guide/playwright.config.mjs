// @playwright/test for the feature guide's browser test, in Debian's Chromium (no browser download).
import { defineConfig } from '@playwright/test'

export default defineConfig({
  testDir: '.',
  globalSetup: './global-setup.mjs',
  workers: 1,
  timeout: 60_000,
  reporter: 'list',
  outputDir: '../../target/browser-journey/guide',
  use: {
    baseURL: process.env.GUIDE_PAGE_URL,
    screenshot: 'on',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
})
