// The Domains screen: a master admin adds a domain and verifies it against a real DNS
// server on loopback (Debian's dnsmasq, on the port serve.sh gives the portal as resolver);
// a domain admin sees only their own domains and adds none.
import { expect, test } from '@playwright/test';
import { ChildProcess } from 'node:child_process';
import { DNS_PORT, startDns } from './dns';
import { expectAccessible, GOOD_PASSWORD, open, portalCli, signIn, USERS } from './helpers';

test('a master admin adds a domain and verifies it by its DNS record', async ({ page }) => {
  let dns: ChildProcess | undefined;
  try {
    await signIn(page, 'admin@example.test', GOOD_PASSWORD);
    await open(page, '/admin/domains');
    await expect(page.getByRole('heading', { name: 'Domains', level: 1 })).toBeVisible();
    await expectAccessible(page);

    await test.step('a bad name is explained at the field', async () => {
      // Tab out first: the check on leaving the field shows its message, which moves the button.
      await page.getByLabel('Domain name').fill('not a domain');
      await page.getByLabel('Domain name').press('Tab');
      await expect(page.locator('#name-error')).toContainText('needs a dot');
      await page.getByRole('button', { name: 'Add domain' }).click();
      await expect(page.locator('#name-error')).not.toBeEmpty();
      await expect(page.getByLabel('Domain name')).toHaveAttribute('aria-invalid', 'true');
    });

    let record = '';
    await test.step('a new domain is unverified and shows the record to publish', async () => {
      await page.getByLabel('Domain name').fill('Shop.Test');
      await page.getByLabel('Domain name').press('Tab');
      await page.getByRole('button', { name: 'Add domain' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'The domain was added.' })).toBeVisible();
      await expect(page.getByRole('row').filter({ hasText: 'shop.test' })).toContainText('Not verified');
      const section = page.getByRole('region', { name: 'Verify shop.test' });
      record = (await section.locator('code.secret-key').textContent()) ?? '';
      expect(record).toMatch(/^mailportal-verification=[a-z2-7]{26}$/);
      await expectAccessible(page);
    });

    await test.step('without the record, Verify says what is missing', async () => {
      dns = await startDns('shop.test', 'v=spf1 -all');
      const section = page.getByRole('region', { name: 'Verify shop.test' });
      await section.getByRole('button', { name: 'Verify shop.test' }).click();
      await expect(section.getByRole('alert')).toContainText(`No TXT record “${record}” was found at shop.test`);
      dns.kill();
    });

    await test.step('once published, Verify marks the domain verified', async () => {
      dns = await startDns('shop.test', record);
      await page.getByRole('button', { name: 'Verify shop.test' }).click();
      await expect(page.getByRole('row').filter({ hasText: 'shop.test' })).toContainText('Verified 20');
      await expect(page.getByRole('region', { name: 'Verify shop.test' })).toHaveCount(0);
    });

    await test.step('when the record disappears, the re-check warns on the screen', async () => {
      dns?.kill();
      dns = await startDns('shop.test', 'v=spf1 -all');
      // What the server does daily, run now from the command line.
      const said = portalCli(['domain', 'recheck'], '', { MAILPORTAL_DNS_RESOLVER: `127.0.0.1:${DNS_PORT}` });
      expect(said).toContain('record gone ["shop.test"]');
      await page.reload();
      await page.waitForSelector('body[data-hydrated]');
      await expect(page.getByRole('alert').filter({ hasText: 'The DNS record of shop.test was not found' })).toBeVisible();
      await expect(page.getByRole('row').filter({ hasText: 'shop.test' })).toContainText('Record missing since');
      await expectAccessible(page);
    });
  } finally {
    dns?.kill();
  }
});

test('a domain admin sees only their domains and cannot add one', async ({ page }) => {
  await signIn(page, USERS.dora);
  await open(page, '/admin/domains');
  await expect(page.getByRole('cell', { name: 'example.test', exact: true })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'shop.test', exact: true })).toHaveCount(0);
  await expect(page.getByLabel('Domain name')).toHaveCount(0);
  const answer = await page.request.post('/api/domains/add', {
    form: { name: 'mine.test' },
    headers: { Origin: 'http://localhost:3100' },
  });
  expect(answer.status()).toBe(403);
});
