// Flow helpers shared by the browser tests. Locators go by role and label: the names a
// screen reader announces.
import { expect, Page, test } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DATA_DIR = path.join(__dirname, '..', '.data');
export const BIN = process.env.PORTAL_BIN ?? '/var/tmp/mailportal-target/release/mailportal';
export const DOMAIN = 'example.test';
/** The accounts the tests use (created by accounts.setup.ts). */
export const USERS = {
  alice: `alice@${DOMAIN}`, // mail user: sign-in, roles, phone layout
  tess: `tess@${DOMAIN}`, // mail user: throttling
  paul: `paul@${DOMAIN}`, // mail user: password change
  rita: `rita@${DOMAIN}`, // mail user: recovery email and reset
  sam: `sam@${DOMAIN}`, // mail user: sessions
  dora: `dora@${DOMAIN}`, // domain admin
};

/** A password that passes the rules (not common, 8+ characters). */
export const GOOD_PASSWORD = 'violet tram quietly sings';

/** Runs the mailportal command line against the test portal's data directory. */
export function portalCli(args: string[], input = ''): string {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('MAILPORTAL_')) env[k] = v;
  }
  env.MAILPORTAL_DATA_DIR = DATA_DIR;
  env.MAILPORTAL_PUBLIC_URL = 'http://localhost:3100';
  env.MAILPORTAL_LOG = 'warn';
  return execFileSync(BIN, args, { input, env, encoding: 'utf8' });
}

/** Opens a page and waits until the WASM has hydrated it (forms then run in place). */
export async function open(page: Page, url: string) {
  await page.goto(url);
  await page.waitForSelector('body[data-hydrated]');
}

export async function signIn(page: Page, email: string, password = GOOD_PASSWORD) {
  await test.step(`sign in as ${email}`, async () => {
    await open(page, '/sign-in');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
    await page.waitForSelector('body[data-hydrated]');
  });
}

export async function signOut(page: Page) {
  await test.step('sign out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to Mail Portal' })).toBeVisible();
  });
}

/** No WCAG 2.1 A/AA violations on the page as it is now. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
  expect(summary).toEqual([]);
}

/** The newest notice in the outbox addressed to `to`, waiting for it to arrive. */
export async function newestMailTo(to: string, after = 0): Promise<string> {
  const outbox = path.join(DATA_DIR, 'outbox');
  let found = '';
  await expect
    .poll(() => {
      if (!fs.existsSync(outbox)) return false;
      const files = fs
        .readdirSync(outbox)
        .filter((f) => f.endsWith('.eml'))
        .map((f) => path.join(outbox, f))
        .filter((f) => fs.statSync(f).mtimeMs > after)
        .sort();
      for (const f of files.reverse()) {
        const text = fs.readFileSync(f, 'utf8');
        if (text.includes(`To: ${to}`)) {
          found = text;
          return true;
        }
      }
      return false;
    })
    .toBe(true);
  return found;
}

/** The first portal link in a message (quoted-printable soft breaks undone). */
export function linkIn(message: string): string {
  const body = message.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const m = body.match(/http:\/\/localhost:3100\/[^\s]+/);
  if (!m) throw new Error(`no link in message:\n${message}`);
  return m[0];
}
