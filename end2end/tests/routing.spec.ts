// Where a domain's mail goes beyond this host: a relay domain's routes (tested over SMTP
// against a real server on loopback, Python's aiosmtpd), split domain routing, and domain
// aliases; for a master admin and a domain admin.
import { expect, Page, test } from '@playwright/test';
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { expectAccessible, GOOD_PASSWORD, open, signIn, USERS } from './helpers';

const SINK_PORT = 2626;

/** aiosmtpd on loopback, discarding what it receives. */
async function startSink(): Promise<ChildProcess> {
  const sink = spawn('python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${SINK_PORT}`, '-c', 'aiosmtpd.handlers.Sink'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(SINK_PORT, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (up) return sink;
    await new Promise((r) => setTimeout(r, 25));
  }
  sink.kill();
  throw new Error('aiosmtpd did not start');
}

async function fill(page: Page, label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel(label, { exact: true }).press('Tab');
}

async function openDomainPage(page: Page, domain: string, tab: string, heading = tab) {
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: `${tab} of ${domain}`, exact: true }).click();
  await expect(page.getByRole('heading', { name: `${heading} of ${domain}`, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

const row = (page: Page, text: string) => page.getByRole('row').filter({ has: page.getByRole('cell', { name: text, exact: true }) });

test('a master admin relays a domain, tests its routes and hands it to a domain admin', async ({ page }) => {
  // One route test waits for a DNS server that is not there (up to 15 s).
  test.setTimeout(60_000);
  let sink: ChildProcess | undefined;
  try {
    sink = await startSink();
    await signIn(page, 'admin@example.test', GOOD_PASSWORD);
    await open(page, '/admin/domains');

    await test.step('a relay domain needs a destination that is not this machine', async () => {
      await fill(page, 'Domain name', 'relay.test');
      await page.getByLabel('Relayed: all its mail goes on to another server').check();
      await fill(page, 'Destination server (relayed domains)', `127.0.0.1:${SINK_PORT}`);
      await page.getByRole('button', { name: 'Add domain' }).click();
      await expect(page.locator('#destination-error')).toContainText('on this machine or its local link');
      await fill(page, 'Destination server (relayed domains)', 'mx.relay.test');
      await page.getByRole('button', { name: 'Add domain' }).click();
      await expect(row(page, 'relay.test')).toContainText('Relayed');
    });

    await openDomainPage(page, 'relay.test', 'Routes');
    await expectAccessible(page);
    const relayTabs = [
      'Routes', 'Antispam thresholds', 'Sender lists', 'Filter settings', 'Blocked attachments', 'Local recipients', 'Settings', 'Admins',
    ];
    const tabs = page.getByRole('navigation', { name: 'Pages of relay.test' });
    await expect(tabs.getByRole('link')).toHaveText(relayTabs);
    // The policy screens of a relay domain keep its tabs.
    for (const screen of ['Filter settings', 'Sender lists', 'Settings', 'Routes']) {
      await tabs.getByRole('link', { name: screen, exact: true }).click();
      await expect(page.getByRole('heading', { name: `${screen} of relay.test`, level: 1 })).toBeVisible();
      await expect(tabs.getByRole('link')).toHaveText(relayTabs);
    }
    await page.waitForSelector('body[data-hydrated]');

    await test.step('local routes allowed for the test set-up, and a route to the sink tested', async () => {
      await page.getByRole('button', { name: 'Allow local routes' }).click();
      await expect(page.getByText('Routes to this machine and its local link are allowed.')).toBeVisible();
      await fill(page, 'Destination server', `127.0.0.1:${SINK_PORT}`);
      await page.getByRole('button', { name: 'Add route' }).click();
      await expect(row(page, `127.0.0.1:${SINK_PORT}`)).toContainText('2');
      await page.getByRole('button', { name: `Test 127.0.0.1:${SINK_PORT}` }).click();
      const result = page.getByRole('region', { name: 'Route test' });
      await expect(result).toContainText('The server accepted the connection and answered EHLO.');
      await expect(result.locator('pre')).toContainText('C: EHLO localhost');
      await expect(result.locator('pre')).toContainText('S: 221');
      await expectAccessible(page);
    });

    await test.step('a route whose name does not resolve fails its test', async () => {
      await page.getByRole('button', { name: 'Test mx.relay.test:25' }).click();
      // The name is looked up at the DNS server the tests give the portal, which is not running.
      await expect(page.getByRole('region', { name: 'Route test' })).toContainText('The test failed.', { timeout: 20_000 });
    });

    await test.step('reordered, and the last route cannot be deleted', async () => {
      await page.getByRole('button', { name: `Move up 127.0.0.1:${SINK_PORT}` }).click();
      await expect(page.getByRole('row').nth(1)).toContainText(`127.0.0.1:${SINK_PORT}`);
      await page.getByRole('button', { name: 'Delete mx.relay.test:25' }).click();
      await page.getByRole('button', { name: 'Delete route' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'The route was deleted.' })).toBeVisible();
      await page.getByRole('button', { name: `Delete 127.0.0.1:${SINK_PORT}` }).click();
      await page.getByRole('button', { name: 'Delete route' }).click();
      await expect(page.getByRole('alert').filter({ hasText: 'at least one route' })).toBeVisible();
      await page.getByRole('button', { name: 'Refuse local routes' }).click();
      await expect(page.getByText('(127.0.0.1, ::1, 169.254.x.x) are refused.')).toBeVisible();
    });

    await test.step('the relay domain gets a domain admin', async () => {
      await page.getByRole('navigation', { name: 'Pages of relay.test' }).getByRole('link', { name: 'Admins' }).click();
      await expect(page.getByRole('heading', { name: 'Admins of relay.test' })).toBeVisible();
      await page.waitForSelector('body[data-hydrated]');
      await fill(page, "Account's email address", USERS.dora);
      await page.getByRole('button', { name: 'Make admin' }).click();
      await expect(row(page, USERS.dora)).toBeVisible();
    });
  } finally {
    sink?.kill();
  }
});

test('a domain admin adds a route, sets split domain routing and a domain alias', async ({ page }) => {
  await signIn(page, USERS.dora);

  await test.step('routes of the relay domain given to them: local ones refused', async () => {
    await openDomainPage(page, 'relay.test', 'Routes');
    await expect(page.getByRole('button', { name: 'Allow local routes' })).toHaveCount(0);
    await fill(page, 'Destination server', 'localhost:25');
    await page.getByRole('button', { name: 'Add route' }).click();
    await expect(page.locator('#destination-error')).toContainText('on this machine or its local link');
    await fill(page, 'Destination server', 'mx2.relay.test:587');
    await page.getByRole('button', { name: 'Add route' }).click();
    await expect(row(page, 'mx2.relay.test:587')).toBeVisible();
  });

  await test.step('split domain routing on, with its destination, then off', async () => {
    await openDomainPage(page, 'example.test', 'SDR', 'Split domain routing');
    await expectAccessible(page);
    await page.getByLabel('On', { exact: true }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('#destination-error')).toContainText('Enter a server');
    await fill(page, 'Destination server', 'exchange.example.test');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('p.notice')).toHaveText('On: local parts without a mailbox here go to exchange.example.test:25.');
    await page.getByLabel('Off', { exact: true }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('p.notice')).toContainText('Off:');
  });

  await test.step('a domain alias, with its record to publish, then deleted', async () => {
    await openDomainPage(page, 'example.test', 'Domain aliases');
    await fill(page, 'Alias domain name', 'example');
    await expect(page.locator('#name-error')).toContainText('needs a dot');
    await fill(page, 'Alias domain name', 'Example.NET');
    await page.getByRole('button', { name: 'Add domain alias' }).click();
    await expect(row(page, 'example.net')).toContainText('Not verified: receives no mail yet');
    await expect(page.getByRole('region', { name: 'Verify example.net' }).locator('code.secret-key'))
      .toHaveText(/^mailportal-verification=[a-z2-7]{26}$/);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Delete example.net' }).click();
    await page.getByRole('button', { name: 'Delete domain alias' }).click();
    await expect(page.getByText('This domain has no aliases.')).toBeVisible();
  });

  await test.step('another domain’s routes are refused', async () => {
    const answer = await page.request.post('/api/routes/add', {
      form: { domain: '999', destination: 'mx.evil.test' },
      headers: { Origin: 'http://localhost:3100' },
    });
    expect(answer.status()).toBe(403);
  });
});
