import { defineConfig } from '@playwright/test';

// One fresh portal (empty data directory) for the whole run, on localhost: WebAuthn
// refuses an IP address as relying party, and the portal's public URL must match.
export const PORT = 3100;
export const BASE_URL = `http://localhost:${PORT}`;

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL: BASE_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    // First start (no master admin may exist before it), then the accounts the tests use.
    { name: 'first-start', testMatch: /first-start\.setup\.ts/ },
    { name: 'accounts', testMatch: /accounts\.setup\.ts/, dependencies: ['first-start'] },
    { name: 'chromium', testMatch: /.*\.spec\.ts/, dependencies: ['accounts'] },
  ],
  webServer: {
    command: './serve.sh',
    url: `${BASE_URL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
