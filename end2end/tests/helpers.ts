// Flow helpers shared by the browser tests. Locators go by role and label: the names a
// screen reader announces.
import { APIRequestContext, expect, Page, test } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
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
  tina: `tina@${DOMAIN}`, // mail user: TOTP two-factor authentication
  adam: `adam@${DOMAIN}`, // domain admin: the admin two-factor requirement
  max: `max@${DOMAIN}`, // master admin: the admin two-factor requirement
  pia: `pia@${DOMAIN}`, // mail user: passkeys
  mia: `mia@${DOMAIN}`, // mail user: device passwords and mail access
  mona: `mona@${DOMAIN}`, // mail user: mail access that a domain admin manages
  quinn: `quinn@${DOMAIN}`, // mail user: quarantine
  lena: `lena@${DOMAIN}`, // mail user: spam reports and uploads
  sid: `sid@${DOMAIN}`, // mail user: authenticated submission and the sending limit
  dina: `dina@${DOMAIN}`, // mail user: the quarantine digest choice
  ivan: `ivan@${DOMAIN}`, // mail user: login history and security incidents
  tara: `tara@${DOMAIN}`, // domain admin: API tokens
};

/** The role each test account gets; mail user when not named here. */
export const ROLES: Record<string, string> = {
  dora: 'domainadmin',
  adam: 'domainadmin',
  max: 'masteradmin',
  tara: 'domainadmin',
};

/** A password that passes the rules (not common, 8+ characters). */
export const GOOD_PASSWORD = 'violet tram quietly sings';

/** Runs the mailportal command line against the test portal's data directory. */
export function portalCli(args: string[], input = '', extraEnv: Record<string, string> = {}): string {
  const env: NodeJS.ProcessEnv = { ...extraEnv };
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
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
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
/** Asks the mail login check as nginx's mail module would; answers Auth-Status. */
export async function mailLogin(
  request: APIRequestContext,
  user: string,
  password: string,
  { protocol = 'imap', clientIp = '192.0.2.44' } = {},
): Promise<string> {
  const response = await request.get('/auth/mail', {
    headers: {
      'Auth-Method': 'plain',
      'Auth-User': encodeURIComponent(user),
      'Auth-Pass': encodeURIComponent(password),
      'Auth-Protocol': protocol,
      'Auth-Login-Attempt': '1',
      'Client-IP': clientIp,
    },
  });
  expect(response.status()).toBe(200);
  return response.headers()['auth-status'];
}

export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
  expect(summary).toEqual([]);
}

/** Every message in the outbox addressed to `to` (its To header), oldest first,
 * quoted-printable soft breaks undone. */
export function outboxTo(to: string): string[] {
  const outbox = path.join(DATA_DIR, 'outbox');
  if (!fs.existsSync(outbox)) return [];
  return fs
    .readdirSync(outbox)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => fs.readFileSync(path.join(outbox, f), 'utf8'))
    .filter((m) => m.split(/\r?\n/).includes(`To: ${to}`))
    .map((m) => m.replace(/=\r?\n/g, '').replace(/=3D/g, '='));
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

/**
 * An authenticator app holding a TOTP key (RFC 6238: SHA-1, 6 digits, 30 s). The portal
 * takes each time step once and accepts one step either side of now, so `code()` hands out
 * the earliest step that is not used yet and is now or next, waiting when it must.
 */
export class Authenticator {
  private lastStep = 0;
  constructor(readonly key: string) {}

  async code(): Promise<string> {
    const current = Math.floor(Date.now() / 30_000);
    const step = Math.max(this.lastStep + 1, current);
    if (step > current + 1) {
      await new Promise((r) => setTimeout(r, (step - 1) * 30_000 - Date.now() + 200));
    }
    this.lastStep = step;
    return totpAt(this.key, step);
  }

  /** The code of the step used last: a replay. */
  lastCode(): string {
    return totpAt(this.key, this.lastStep);
  }
}

function totpAt(key: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/\s/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** Sets up TOTP on the signed-in account through the screen; returns the app and the codes. */
export async function enableTotp(page: Page): Promise<{ app: Authenticator; codes: string[] }> {
  return await test.step('set up two-factor authentication', async () => {
    await open(page, '/account/two-factor');
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const key = page.locator('#totp-key');
    await expect(key).toHaveText(/^[A-Z2-7]{4}( [A-Z2-7]{4}){7}$/);
    const app = new Authenticator((await key.textContent()) ?? '');
    await page.getByLabel('Code from the app').fill(await app.code());
    await page.getByRole('button', { name: 'Verify and turn on' }).click();
    const panel = page.getByRole('region', { name: 'Your recovery codes' });
    await expect(panel.getByRole('listitem')).toHaveCount(10);
    const codes = (await panel.getByRole('listitem').allTextContents()).map((c) => c.trim());
    return { app, codes };
  });
}

/** The password step, then the code step; ends on the account overview. */
export async function signInWithCode(page: Page, email: string, code: string) {
  await test.step(`sign in as ${email} with a code`, async () => {
    await open(page, '/sign-in');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Enter your code' })).toBeVisible();
    await page.waitForSelector('body[data-hydrated]');
    await page.getByLabel('Authentication code').fill(code);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  });
}
