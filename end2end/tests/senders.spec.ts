// A domain's Sender addresses and Settings pages, for a domain admin and a master admin.
import { expect, Page, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, open, signIn, USERS } from './helpers';

async function openDomainPage(page: Page, domain: string, tab: string) {
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: `${tab} of ${domain}`, exact: true }).click();
  await expect(page.getByRole('heading', { name: `${tab} of ${domain}`, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

async function fill(page: Page, label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel(label, { exact: true }).press('Tab');
}

const row = (page: Page, text: string) => page.getByRole('row').filter({ has: page.getByRole('cell', { name: text, exact: true }) });

test('a domain admin gives mailboxes a shared sender address', async ({ page }) => {
  await signIn(page, USERS.dora);
  await openDomainPage(page, 'example.test', 'Sender addresses');
  await expectAccessible(page);

  await fill(page, 'Address', 'info');
  await fill(page, 'Mailboxes that may send as it', 'someone@elsewhere.test');
  await page.getByRole('button', { name: 'Add sender address' }).click();
  await expect(page.locator('#users-error')).toHaveText('someone@elsewhere.test is not a mailbox in your domains.');
  await fill(page, 'Mailboxes that may send as it', `${USERS.alice}, ${USERS.mona}`);
  await page.getByRole('button', { name: 'Add sender address' }).click();
  await expect(row(page, 'info@example.test')).toContainText(USERS.mona);

  await page.getByRole('button', { name: 'Edit info@example.test' }).click();
  await page.getByLabel('Mailboxes that may send as info@example.test').fill(USERS.alice);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The sender address was saved.' })).toBeVisible();
  await expect(row(page, 'info@example.test')).not.toContainText(USERS.mona);

  await page.getByRole('button', { name: 'Delete info@example.test' }).click();
  await page.getByRole('button', { name: 'Delete sender address' }).click();
  await expect(page.getByText('This domain has no sender addresses yet.')).toBeVisible();

  const answer = await page.request.post('/api/senders/add', {
    form: { domain: '999', address: 'x', users: USERS.alice },
    headers: { Origin: 'http://localhost:3100' },
  });
  expect(answer.status()).toBe(403);
});

test('a domain admin sets the domain’s settings and resets them', async ({ page }) => {
  await signIn(page, USERS.dora);
  await openDomainPage(page, 'example.test', 'Settings');
  await expectAccessible(page);
  await fill(page, 'Time zone', 'Europe Berlin');
  await expect(page.locator('#timezone-error')).toContainText('is not a time zone name');
  await fill(page, 'Time zone', 'Mars/Olympus_Mons');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.locator('#timezone-error')).toContainText('is not a known time zone');
  await fill(page, 'Time zone', 'Europe/Berlin');
  await fill(page, 'Days to keep logs', '90');
  await fill(page, 'Characters refused in new addresses', '+');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The settings were saved.' })).toBeVisible();
  await page.reload();
  await page.waitForSelector('body[data-hydrated]');
  await expect(page.getByLabel('Time zone', { exact: true })).toHaveValue('Europe/Berlin');
  await expect(page.getByLabel('Days to keep logs')).toHaveValue('90');

  await page.getByRole('button', { name: 'Reset to defaults' }).click();
  await page.getByRole('button', { name: 'Reset settings' }).click();
  await expect(page.getByText('The settings are back to their defaults.')).toBeVisible();
  await expect(page.getByLabel('Time zone', { exact: true })).toHaveValue('');
});

test('a master admin sets a contact for a domain of theirs', async ({ page }) => {
  await signIn(page, 'admin@example.test', GOOD_PASSWORD);
  await openDomainPage(page, 'example.test', 'Settings');
  await fill(page, 'Primary contact', 'not an address');
  await expect(page.locator('#contact_email-error')).not.toBeEmpty();
  await fill(page, 'Primary contact', 'postmaster@example.test');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The settings were saved.' })).toBeVisible();
  await openDomainPage(page, 'example.test', 'Sender addresses');
  await fill(page, 'Address', 'billing');
  await fill(page, 'Mailboxes that may send as it', USERS.dora);
  await page.getByRole('button', { name: 'Add sender address' }).click();
  await expect(row(page, 'billing@example.test')).toContainText(USERS.dora);
});
