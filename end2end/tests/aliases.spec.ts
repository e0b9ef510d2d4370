// A domain's Aliases screen: aliases to mailboxes and forwards elsewhere, the catch-all
// with its warning, a loop refused with its path, bad recipients explained, edit and
// delete; for a domain admin and a master admin.
import { expect, Page, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, open, signIn, USERS } from './helpers';

async function openAliases(page: Page, domain: string) {
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: `Aliases of ${domain}`, exact: true }).click();
  await expect(page.getByRole('heading', { name: `Aliases of ${domain}`, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

async function fill(page: Page, label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel(label, { exact: true }).press('Tab');
}

async function addAlias(page: Page, address: string, targets: string) {
  await fill(page, 'Address', address);
  await fill(page, 'Recipients', targets);
  await page.getByRole('button', { name: 'Add alias' }).click();
}

/** The row whose first cell is this address (not one that merely lists it). */
const row = (page: Page, address: string) => {
  const first = new RegExp(`^${address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`);
  return page.getByRole('row').filter({ has: page.locator('td:first-child', { hasText: first }) });
};

test('a domain admin adds aliases and forwards, and loops are refused', async ({ page }) => {
  await signIn(page, USERS.dora);
  await openAliases(page, 'example.test');
  await expectAccessible(page);

  await test.step('an alias to a mailbox here and a forward elsewhere', async () => {
    await addAlias(page, 'sales', `${USERS.alice}, friend@remote.example`);
    await expect(page.getByRole('status').filter({ hasText: 'The alias was added.' })).toBeVisible();
    await expect(row(page, 'sales@example.test')).toContainText(USERS.alice);
    await expect(row(page, 'sales@example.test').getByRole('listitem').filter({ hasText: 'friend@remote.example' }))
      .toContainText('Forward');
  });

  await test.step('a recipient that does not exist here is explained at the field', async () => {
    await addAlias(page, 'info', 'nobody@example.test');
    await expect(page.locator('#targets-error')).toContainText('nobody@example.test is in a domain served here but is neither a mailbox nor an alias');
    await fill(page, 'Recipients', 'not an address');
    await expect(page.locator('#targets-error')).toContainText('“not”');
  });

  await test.step('a loop is refused with its path', async () => {
    await addAlias(page, 'team', 'sales@example.test');
    await expect(row(page, 'team@example.test')).toBeVisible();
    await page.getByRole('button', { name: 'Edit sales@example.test' }).click();
    const recipients = row(page, 'sales@example.test').getByLabel('Recipients of sales@example.test');
    await recipients.fill(`${USERS.alice}\nteam@example.test`);
    await row(page, 'sales@example.test').getByRole('button', { name: 'Save' }).click();
    await expect(row(page, 'sales@example.test').getByRole('alert'))
      .toContainText('Please correct the fields marked above.');
    await expect(row(page, 'sales@example.test').locator('.field-error'))
      .toHaveText('This would make a loop: sales@example.test → team@example.test → sales@example.test. Mail would go round until it bounced.');
    await recipients.fill(USERS.alice);
    await row(page, 'sales@example.test').getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The alias was saved.' })).toBeVisible();
    await expect(row(page, 'sales@example.test')).not.toContainText('friend@remote.example');
  });

  await test.step('the catch-all is allowed with a visible warning', async () => {
    await fill(page, 'Address', '@');
    await expect(page.getByText('A catch-all accepts mail for every address')).toBeVisible();
    await fill(page, 'Recipients', USERS.alice);
    await page.getByRole('button', { name: 'Add alias' }).click();
    await expect(row(page, '@example.test')).toContainText('Catch-all');
    await expect(page.locator('p.warning').filter({ hasText: 'This domain has a catch-all.' })).toBeVisible();
    await expectAccessible(page);
  });

  await test.step('deleting asks first', async () => {
    await page.getByRole('button', { name: 'Delete team@example.test' }).click();
    await expect(row(page, 'team@example.test')).toContainText('Mail to it will be refused.');
    await row(page, 'team@example.test').getByRole('button', { name: 'Delete alias' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The alias was deleted.' })).toBeVisible();
    await expect(row(page, 'team@example.test')).toHaveCount(0);
  });

  await test.step('another domain’s aliases are refused', async () => {
    const answer = await page.request.post('/api/aliases/add', {
      form: { domain: '999', address: 'x', targets: USERS.alice },
      headers: { Origin: 'http://localhost:3100' },
    });
    expect(answer.status()).toBe(403);
  });
});

test('a master admin forwards an address of another domain', async ({ page }) => {
  await signIn(page, 'admin@example.test', GOOD_PASSWORD);
  await open(page, '/admin/domains');
  await page.getByLabel('Domain name').fill('forward.test');
  await page.getByLabel('Domain name').press('Tab');
  await page.getByRole('button', { name: 'Add domain' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The domain was added.' })).toBeVisible();
  await openAliases(page, 'forward.test');
  await addAlias(page, 'info@example.test', USERS.alice);
  await expect(page.locator('#address-error')).toHaveText('The address must be in forward.test.');
  await addAlias(page, 'info', `${USERS.alice}, someone@remote.example`);
  await expect(row(page, 'info@forward.test')).toContainText('someone@remote.example');
  await page.getByRole('button', { name: 'Edit info@forward.test' }).click();
  await row(page, 'info@forward.test').getByLabel('Recipients of info@forward.test').fill('someone@remote.example');
  await row(page, 'info@forward.test').getByRole('button', { name: 'Save' }).click();
  await expect(row(page, 'info@forward.test')).not.toContainText(USERS.alice);
  await page.getByRole('button', { name: 'Delete info@forward.test' }).click();
  await row(page, 'info@forward.test').getByRole('button', { name: 'Delete alias' }).click();
  await expect(page.getByText('This domain has no aliases yet.')).toBeVisible();
});
