// The Delivery queue screen: copies of messages waiting for another server, the next due
// first, with their route, attempts and last error. Copies wait for real: a relay domain of
// its own (queue-relay.test) routes to an SMTP peer on loopback (Python's aiosmtpd) that
// answers every RCPT with 451. A master admin sees every copy, searches, retries and deletes
// ticked copies (by mouse and keyboard); a domain admin sees only their domains' copies; a
// mail user is refused.
import { Browser, expect, Page, test } from '@playwright/test';
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { HAM, SENDER, sendMail } from './mail';
import { expectAccessible, GOOD_PASSWORD, open, portalCli, signIn, USERS } from './helpers';

/** The master admin that first-start.setup.ts created (max gets two-factor authentication
 * in two-factor-admin.spec.ts). */
const MASTER = 'admin@example.test';
const RELAY = 'queue-relay.test';
const ONE = `one@${RELAY}`;
const TWO = `two@${RELAY}`;
/** A domain of its own for the account made admin of queue-relay.test. */
const ADMINS_DOMAIN = 'queue-admins.test';
const QUENTIN = `quentin@${ADMINS_DOMAIN}`;

/** An SMTP peer that defers every recipient: the copies stay in the queue. */
const PEER = String.raw`
import sys, time
from aiosmtpd.controller import Controller
class Defer:
    async def handle_RCPT(self, server, session, envelope, address, options):
        return '451 4.3.0 Try again later'
controller = Controller(Defer(), hostname='127.0.0.1', port=int(sys.argv[1]))
controller.start()
print('ready', flush=True)
while True:
    time.sleep(3600)
`;

function send(to: string, subject: string) {
  expect(sendMail([to], subject, HAM)).toBe('accepted');
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function startPeer(port: number): Promise<ChildProcess> {
  const peer = spawn('python3', ['-c', PEER, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  peer.stderr?.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the SMTP peer did not start: ${stderr}`)), 10_000);
    peer.stdout?.on('data', (d) => {
      if (String(d).includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    peer.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the SMTP peer exited (${code}): ${stderr}`));
    });
  });
  return peer;
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const table = (page: Page) => page.getByRole('region', { name: 'Waiting copies, the next due first' });
const rows = (page: Page) => table(page).locator('tbody').getByRole('row');
const row = (page: Page, to: string) =>
  rows(page).filter({ has: page.locator('td[data-label="To"]', { hasText: new RegExp(`^${to}$`) }) });
const cell = (page: Page, to: string, name: string) => row(page, to).locator(`td[data-label="${name}"]`);
const bulk = (page: Page) => page.getByRole('group', { name: 'Act on the ticked copies' });
const ticked = (page: Page, n: number) => bulk(page).getByText(`${n} ticked`, { exact: true });
const tick = (page: Page, to: string) => page.getByLabel(`Tick the copy from ${SENDER} to ${to}`, { exact: true });
const status = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });
const EMPTY = 'Nothing is waiting: every message has been delivered.';
const NO_MATCH = 'No waiting copy matches this search.';
const QUESTION = 'Delete the ticked copies? They will never be delivered, and their senders are not told.';

async function openQueue(page: Page) {
  await nav(page).getByRole('link', { name: 'Delivery queue', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Delivery queue', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

async function search(page: Page, text: string) {
  await page.getByLabel('Search the queue (sender, recipient, error, message id)', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`search=${encodeURIComponent(text)}`));
}

/** Clicks "Reload the list" until the copy to `to` was tried `n` times. */
async function waitForAttempts(page: Page, to: string, n: number) {
  await expect
    .poll(
      async () => {
        await page.getByRole('button', { name: 'Reload the list', exact: true }).click();
        await page.waitForTimeout(300);
        return (await cell(page, to, 'Attempts').textContent({ timeout: 2_000 }).catch(() => ''))?.trim();
      },
      { timeout: 15_000, intervals: [500] },
    )
    .toBe(String(n));
}

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, GOOD_PASSWORD);
  return page;
}

async function openRoutes(page: Page) {
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: `Routes of ${RELAY}`, exact: true }).click();
  await expect(page.getByRole('heading', { name: `Routes of ${RELAY}`, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

test.describe.serial('the delivery queue', () => {
  let peer: ChildProcess | undefined;
  let port = 0;
  /** Local routes were refused before: switched off again at the end. */
  let switchedLocalOn = false;

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(60_000);
    port = await freePort();
    peer = await startPeer(port);
    const page = await signedIn(browser, MASTER);
    try {
      await test.step('a relay domain of its own, routed to the peer', async () => {
        await open(page, '/admin/domains');
        await page.getByLabel('Domain name', { exact: true }).fill(RELAY);
        await page.getByLabel('Domain name', { exact: true }).press('Tab');
        await page.getByLabel('Relayed: all its mail goes on to another server').check();
        await page.getByLabel('Destination server (relayed domains)', { exact: true }).fill(`mx.${RELAY}`);
        await page.getByLabel('Destination server (relayed domains)', { exact: true }).press('Tab');
        await page.getByRole('button', { name: 'Add domain' }).click();
        await expect(page.getByRole('row').filter({ has: page.getByRole('cell', { name: RELAY, exact: true }) }))
          .toContainText('Relayed');

        await openRoutes(page);
        const allow = page.getByRole('button', { name: 'Allow local routes' });
        const refuse = page.getByRole('button', { name: 'Refuse local routes' });
        await expect(allow.or(refuse)).toBeVisible();
        if (await allow.isVisible()) {
          await allow.click();
          switchedLocalOn = true;
        }
        await expect(page.getByText('Routes to this machine and its local link are allowed.')).toBeVisible();
        await page.getByLabel('Destination server', { exact: true }).fill(`127.0.0.1:${port}`);
        await page.getByLabel('Destination server', { exact: true }).press('Tab');
        await page.getByRole('button', { name: 'Add route' }).click();
        await expect(page.getByRole('cell', { name: `127.0.0.1:${port}`, exact: true })).toBeVisible();
        // Only the peer: the name mx.queue-relay.test does not resolve.
        await page.getByRole('button', { name: `Delete mx.${RELAY}:25` }).click();
        await page.getByRole('button', { name: 'Delete route' }).click();
        await expect(status(page, 'The route was deleted.')).toBeVisible();
        await expect(page.getByRole('cell', { name: `mx.${RELAY}:25`, exact: true })).toHaveCount(0);
      });
      await test.step('two messages to it are taken and wait in the queue', async () => {
        send(ONE, `Minutes for one ${Date.now().toString(36)}`);
        send(TWO, `Minutes for two ${Date.now().toString(36)}`);
      });
    } finally {
      await page.context().close();
    }
  });

  test.afterAll(async ({ browser }) => {
    test.setTimeout(60_000);
    try {
      const page = await signedIn(browser, MASTER);
      await test.step('the copies left are deleted', async () => {
        await open(page, `/queue?search=${RELAY}`);
        await expect(page.getByText(NO_MATCH, { exact: true }).or(table(page))).toBeVisible();
        if (await table(page).isVisible()) {
          const n = await rows(page).count();
          await page.getByLabel('Tick every copy on this page', { exact: true }).check();
          await page.getByRole('button', { name: 'Delete ticked…' }).click();
          await page.getByRole('button', { name: 'Delete ticked copies' }).click();
          await expect(status(page, n === 1 ? '1 copy deleted.' : `${n} copies deleted.`)).toBeVisible();
          await expect(page.getByText(NO_MATCH, { exact: true })).toBeVisible();
        }
      });
      if (switchedLocalOn) {
        await test.step('local routes are refused again', async () => {
          await openRoutes(page);
          await page.getByRole('button', { name: 'Refuse local routes' }).click();
          await expect(page.getByText('(127.0.0.1, ::1, 169.254.x.x) are refused.')).toBeVisible();
        });
      }
      await page.context().close();
    } finally {
      peer?.kill();
    }
  });

  test('a master admin sees the waiting copies, retries one and deletes one', async ({ page }) => {
    test.setTimeout(60_000);
    await signIn(page, MASTER);
    await openQueue(page);

    await test.step('both copies, tried once, deferred with the 451 of the peer', async () => {
      await expect(table(page)).toBeVisible();
      await waitForAttempts(page, ONE, 1);
      await waitForAttempts(page, TWO, 1);
      await expect(table(page).getByRole('columnheader'))
        .toHaveText(['Select', 'Queued', 'From', 'To', 'Route', 'Attempts', 'Next attempt', 'Last error']);
      for (const to of [ONE, TWO]) {
        await expect(cell(page, to, 'From')).toHaveText(SENDER);
        await expect(cell(page, to, 'Route')).toHaveText(`routes of ${RELAY}: 127.0.0.1:${port}`);
        await expect(cell(page, to, 'Last error')).toHaveText(`127.0.0.1:${port} deferred RCPT: 451 4.3.0 Try again later`);
        await expect(cell(page, to, 'Next attempt')).toHaveText(
          /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(in 1 min\)bounces after \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/,
        );
        await expect(cell(page, to, 'Queued')).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      }
      await expect(ticked(page, 0)).toBeVisible();
      await expect(bulk(page).getByRole('button', { name: 'Retry ticked now' })).toBeDisabled();
      await expectAccessible(page);
    });

    await test.step('a search by recipient narrows the list to one copy', async () => {
      await search(page, TWO);
      await expect(rows(page)).toHaveCount(1);
      await expect(row(page, TWO)).toBeVisible();
      await expect(row(page, ONE)).toHaveCount(0);
      await expect(page.getByLabel('Search the queue (sender, recipient, error, message id)', { exact: true }))
        .toHaveValue(TWO);
    });

    await test.step('ticked by keyboard and retried now: tried again at once', async () => {
      await tick(page, TWO).focus();
      await page.keyboard.press('Space');
      await expect(tick(page, TWO)).toBeChecked();
      await expect(ticked(page, 1)).toBeVisible();
      // Back from the tick box: the table's region, "Delete ticked…", "Retry ticked now".
      await page.keyboard.press('Shift+Tab');
      await expect(table(page)).toBeFocused();
      await page.keyboard.press('Shift+Tab');
      await expect(page.getByRole('button', { name: 'Delete ticked…' })).toBeFocused();
      await page.keyboard.press('Shift+Tab');
      const retry = bulk(page).getByRole('button', { name: 'Retry ticked now' });
      await expect(retry).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(status(page, '1 copy due now: the queue is trying them.')).toBeVisible();
      await expect(ticked(page, 0)).toBeVisible();
      // Not after the minute's wait: the queue takes it up at once.
      await waitForAttempts(page, TWO, 2);
      await expect(cell(page, TWO, 'Next attempt')).toContainText('(in 5 min)');
      await expect(cell(page, TWO, 'Last error')).toHaveText(`127.0.0.1:${port} deferred RCPT: 451 4.3.0 Try again later`);
    });

    await test.step('a search that matches nothing says so', async () => {
      await search(page, `nobody@${RELAY}`);
      await expect(page.getByText(NO_MATCH, { exact: true })).toBeVisible();
      await expect(table(page)).toHaveCount(0);
    });

    await test.step('Delete ticked… asks first; Cancel leaves the copy', async () => {
      await search(page, RELAY);
      await expect(rows(page)).toHaveCount(2);
      await tick(page, ONE).check();
      await expect(ticked(page, 1)).toBeVisible();
      await page.getByRole('button', { name: 'Delete ticked…' }).click();
      await expect(page.getByText(QUESTION, { exact: true })).toBeVisible();
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Cancel', exact: true }).click();
      await expect(page.getByText(QUESTION, { exact: true })).toHaveCount(0);
      await expect(page.getByRole('button', { name: 'Delete ticked…' })).toBeVisible();
      await expect(rows(page)).toHaveCount(2);
      await expect(tick(page, ONE)).toBeChecked();
      await expect(ticked(page, 1)).toBeVisible();
    });

    await test.step('confirmed and reported as spam: the copy is deleted and leaves the list', async () => {
      await page.getByRole('button', { name: 'Delete ticked…' }).click();
      const reportIt = page.getByLabel('Also report them as spam', { exact: true });
      await expect(reportIt).not.toBeChecked();
      await reportIt.check();
      await page.getByRole('button', { name: 'Delete ticked copies' }).click();
      await expect(status(page, '1 copy deleted. Learned 1 message as spam.')).toBeVisible();
      await expect(row(page, ONE)).toHaveCount(0);
      await expect(rows(page)).toHaveCount(1);
      await expect(row(page, TWO)).toBeVisible();
      await expect(page.getByText(QUESTION, { exact: true })).toHaveCount(0);
      // Still gone after opening the screen anew.
      await open(page, `/queue?search=${RELAY}`);
      await expect(row(page, TWO)).toBeVisible();
      await expect(row(page, ONE)).toHaveCount(0);
    });
  });

  test('a domain admin sees only the copies of their domains', async ({ browser }) => {
    test.setTimeout(60_000);
    const dora = await signedIn(browser, USERS.dora);

    await test.step('the admin of example.test does not see the copies of queue-relay.test', async () => {
      await openQueue(dora);
      await expect(dora.getByText(EMPTY, { exact: true }).or(table(dora))).toBeVisible();
      await expect(dora.getByText(RELAY)).toHaveCount(0);
      await search(dora, RELAY);
      await expect(dora.getByText(NO_MATCH, { exact: true })).toBeVisible();
      await expect(table(dora)).toHaveCount(0);
      await expectAccessible(dora);
    });
    await dora.context().close();

    await test.step('an account made admin of queue-relay.test sees its copy', async () => {
      expect(portalCli(['domain', 'add', ADMINS_DOMAIN])).toContain(`Added the domain ${ADMINS_DOMAIN}.`);
      expect(portalCli(['user', 'add', QUENTIN, '--role', 'mailuser'], GOOD_PASSWORD + '\n')).toContain(`Added ${QUENTIN}`);
      const master = await signedIn(browser, MASTER);
      await open(master, '/admin/domains');
      await master.getByRole('link', { name: `Admins of ${RELAY}`, exact: true }).click();
      await expect(master.getByRole('heading', { name: `Admins of ${RELAY}` })).toBeVisible();
      await master.waitForSelector('body[data-hydrated]');
      await master.getByLabel("Account's email address", { exact: true }).fill(QUENTIN);
      await master.getByRole('button', { name: 'Make admin' }).click();
      await expect(master.getByRole('cell', { name: QUENTIN, exact: true })).toBeVisible();
      await master.context().close();

      const quentin = await signedIn(browser, QUENTIN);
      await openQueue(quentin);
      await expect(rows(quentin)).toHaveCount(1);
      await expect(cell(quentin, TWO, 'Route')).toHaveText(`routes of ${RELAY}: 127.0.0.1:${port}`);
      await expect(cell(quentin, TWO, 'From')).toHaveText(SENDER);
      await expect(cell(quentin, TWO, 'Attempts')).toHaveText('2');
      await quentin.context().close();
    });
  });

  test('a mail user is refused the delivery queue', async ({ page }) => {
    await signIn(page, USERS.alice);
    await expect(nav(page).getByRole('link', { name: 'Mail log', exact: true })).toBeVisible();
    await expect(nav(page).getByRole('link', { name: 'Delivery queue' })).toHaveCount(0);
    const response = await page.goto('/queue');
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Delivery queue' })).toHaveCount(0);
    await expect(page.getByText(RELAY)).toHaveCount(0);
  });
});
