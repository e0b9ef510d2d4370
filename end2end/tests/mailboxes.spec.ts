// A domain's Mailboxes and Admins screens (Domains → a domain's actions): a domain admin
// adds, searches, edits, disables, sets a password and deletes with the typed address; a
// master admin does the same in a domain of their own and assigns a domain admin.
import { expect, Page, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, open, signIn, USERS } from './helpers';

/** Opens a domain's page from the Domains list, as an admin gets there. */
async function openDomainPage(page: Page, domain: string, tab: 'Mailboxes' | 'Aliases' | 'Admins') {
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: `${tab} of ${domain}`, exact: true }).click();
  await expect(page.getByRole('heading', { name: `${tab} of ${domain}`, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

/** Fills a field and leaves it, so that its check runs before the button is pressed. */
async function fill(page: Page, label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel(label, { exact: true }).press('Tab');
}

/** The row whose first cell is this address (not one that merely lists it). */
const row = (page: Page, address: string) => {
  const first = new RegExp(`^${address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`);
  return page.getByRole('row').filter({ has: page.locator('td:first-child', { hasText: first }) });
};
const notice = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });

test('a domain admin manages the mailboxes of their domain', async ({ page }) => {
  await signIn(page, USERS.dora);
  await openDomainPage(page, 'example.test', 'Mailboxes');
  await expectAccessible(page);

  await test.step('a bad address is explained at the field, and nothing is added', async () => {
    await fill(page, 'Address', 'zed ex');
    await expect(page.locator('#local_part-error')).toContainText('may contain letters');
    await fill(page, 'Password', GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await expect(page.getByLabel('Address', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(row(page, 'zed')).toHaveCount(0);
  });

  await test.step('a mailbox is added with its name and quota', async () => {
    await fill(page, 'Address', 'Zed');
    await fill(page, 'Display name', 'Zed Example');
    await fill(page, 'Password', GOOD_PASSWORD);
    await fill(page, 'Quota', '1 GB');
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await expect(notice(page, 'The mailbox was added.')).toBeVisible();
    await expect(row(page, 'zed@example.test')).toContainText('Zed Example');
    await expect(row(page, 'zed@example.test')).toContainText('0 B of 1 GB (0%)');
  });

  await test.step('the search finds it, in the address so it can be reloaded', async () => {
    await page.getByLabel('Search mailboxes').fill('zed');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page).toHaveURL(/search=zed/);
    await expect(page.getByRole('navigation', { name: 'Pages of mailboxes' })).toContainText('1 found · page 1 of 1');
    await expect(page.getByRole('row')).toHaveCount(2); // the header and Zed
    await page.reload();
    await page.waitForSelector('body[data-hydrated]');
    await expect(row(page, 'zed@example.test')).toBeVisible();
  });

  await test.step('name and quota are changed in place', async () => {
    await page.getByRole('button', { name: 'Edit zed@example.test' }).click();
    const quota = row(page, 'zed@example.test').getByLabel('Quota');
    await quota.fill('lots');
    await quota.press('Tab');
    await expect(row(page, 'zed@example.test').locator('.field-error').filter({ hasText: 'not a size' })).toBeVisible();
    await quota.fill('2 GB');
    await quota.press('Tab');
    await row(page, 'zed@example.test').getByRole('button', { name: 'Save' }).click();
    await expect(notice(page, 'The mailbox was saved.')).toBeVisible();
    await expect(row(page, 'zed@example.test')).toContainText('0 B of 2 GB (0%)');
  });

  await test.step('disabling asks first; enabling does not', async () => {
    await page.getByRole('button', { name: 'Disable zed@example.test' }).click();
    await expect(row(page, 'zed@example.test')).toContainText('It can no longer sign in here');
    await row(page, 'zed@example.test').getByRole('button', { name: 'Cancel' }).click();
    await expect(row(page, 'zed@example.test')).toContainText('Enabled');
    await page.getByRole('button', { name: 'Disable zed@example.test' }).click();
    await row(page, 'zed@example.test').getByRole('button', { name: 'Disable', exact: true }).click();
    await expect(row(page, 'zed@example.test')).toContainText('Disabled');
    await page.getByRole('button', { name: 'Enable zed@example.test' }).click();
    await expect(row(page, 'zed@example.test')).toContainText('Enabled');
  });

  await test.step('a new password is set by the admin', async () => {
    await page.getByRole('button', { name: 'Set password zed@example.test' }).click();
    await fill(page, 'New password for zed@example.test', 'seven orange kites drift');
    await row(page, 'zed@example.test').getByRole('button', { name: 'Set password' }).click();
    await expect(notice(page, 'The new password is set')).toBeVisible();
  });

  await test.step('deleting needs the address typed', async () => {
    await page.getByRole('button', { name: 'Delete zed@example.test' }).click();
    await fill(page, 'Type zed@example.test to confirm', 'zed');
    await row(page, 'zed@example.test').getByRole('button', { name: 'Delete mailbox' }).click();
    await expect(row(page, 'zed@example.test').locator('.field-error').filter({ hasText: 'Type zed' })).toHaveText('Type zed@example.test to confirm.');
    await fill(page, 'Type zed@example.test to confirm', 'zed@example.test');
    await expectAccessible(page);
    await row(page, 'zed@example.test').getByRole('button', { name: 'Delete mailbox' }).click();
    await expect(notice(page, 'The mailbox was deleted.')).toBeVisible();
    await expect(page.getByText('No mailbox matches this search.')).toBeVisible();
  });

  await test.step('admins’ mailboxes, the admin’s own included, are a master admin’s to change', async () => {
    await open(page, '/admin/domains');
    await page.getByRole('link', { name: 'Mailboxes of example.test' }).click();
    await expect(row(page, USERS.dora)).toContainText('Managed by a master admin');
    await expect(row(page, USERS.alice).getByRole('button', { name: `Delete ${USERS.alice}` })).toBeVisible();
  });

  await test.step('another domain’s mailboxes are refused', async () => {
    const answer = await page.request.post('/api/mailboxes/list', {
      form: { domain: '999' },
      headers: { Origin: 'http://localhost:3100' },
    });
    expect(answer.status()).toBe(403);
  });
});

test('a mail user has no access to a domain’s pages', async ({ page }) => {
  await signIn(page, USERS.alice);
  const answer = await page.goto('/admin/domains/1/mailboxes');
  expect(answer?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
});

test('a master admin runs a new domain: mailbox, admin, and the rules for their own', async ({ page }) => {
  await signIn(page, 'admin@example.test', GOOD_PASSWORD);
  await open(page, '/admin/domains');
  await fill(page, 'Domain name', 'corp.test');
  await page.getByRole('button', { name: 'Add domain' }).click();
  await expect(notice(page, 'The domain was added.')).toBeVisible();

  await openDomainPage(page, 'corp.test', 'Mailboxes');
  await test.step('a mailbox in the new domain', async () => {
    await fill(page, 'Address', 'boss');
    await fill(page, 'Password', 'password');
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await expect(page.locator('#password-error')).toContainText('commonly used');
    await fill(page, 'Password', GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await expect(row(page, 'boss@corp.test')).toContainText('0 B (no limit)');
  });

  await test.step('made admin of the domain on its Admins page, then removed', async () => {
    await page.getByRole('navigation', { name: 'Pages of corp.test' }).getByRole('link', { name: 'Admins' }).click();
    await expect(page.getByRole('heading', { name: 'Admins of corp.test', level: 1 })).toBeVisible();
    await page.waitForSelector('body[data-hydrated]');
    await expect(page.getByText('No domain admin yet')).toBeVisible();
    await fill(page, "Account's email address", 'nobody@corp.test');
    await page.getByRole('button', { name: 'Make admin' }).click();
    await expect(page.locator('#email-error')).toContainText('No account has the address nobody@corp.test');
    await fill(page, "Account's email address", 'boss@corp.test');
    await page.getByRole('button', { name: 'Make admin' }).click();
    await expect(row(page, 'boss@corp.test')).toBeVisible();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Remove boss@corp.test' }).click();
    await expect(page.getByText('No domain admin yet')).toBeVisible();
  });

  await test.step('a master admin changes a domain admin’s mailbox but cannot delete their own', async () => {
    await openDomainPage(page, 'example.test', 'Mailboxes');
    await expect(page.getByRole('button', { name: `Edit ${USERS.dora}` })).toBeVisible();
    await expect(row(page, 'admin@example.test')).toHaveCount(0); // the first admin has no mailbox here
    const answer = await page.request.post('/api/mailboxes/delete', {
      form: { id: '1', confirm: 'admin@example.test' },
      headers: { Origin: 'http://localhost:3100' },
    });
    expect(answer.status()).toBe(403);
  });
});
