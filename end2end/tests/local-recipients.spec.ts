// A domain's Local recipients screen (domain admin): the fixed list of addresses relayed
// mail is taken for, bad entries explained, removal and emptying after a question, and the
// recipient callouts switch with its cache.
import { expect, Page, test } from '@playwright/test';
import { expectAccessible, open, signIn, USERS } from './helpers';

const ADDRESS = 'Address';
const CALLOUTS = 'Ask the destination about each relayed recipient';
const status = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });

async function add(page: Page, address: string) {
  await page.getByLabel(ADDRESS, { exact: true }).fill(address);
  await page.getByRole('button', { name: 'Add address' }).click();
}

test('a domain admin keeps the local recipients list and the callout switch', async ({ page }) => {
  await signIn(page, USERS.dora);
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: 'Local recipients of example.test', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Local recipients of example.test', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expectAccessible(page);
  await expect(status(page, 'example.test has no local recipients list')).toBeVisible();
  await expect(page.getByText('The list is empty: every address is taken.')).toBeVisible();

  await add(page, 'Remote');
  await expect(status(page, 'The address was added.')).toBeVisible();
  const table = page.getByRole('table', { name: 'Local recipients' });
  await expect(table).toContainText('remote@example.test');
  await expect(status(page, 'only for the addresses on this list')).toBeVisible();

  await add(page, 'remote');
  await expect(page.locator('#address-error')).toHaveText('remote@example.test is on the list already.');
  await add(page, 'x@other.test');
  await expect(page.locator('#address-error')).toHaveText('x@other.test is not an address of example.test.');
  await add(page, 'sales@example.test');
  await expect(table).toContainText('sales@example.test');

  // Search, then one removed after a question.
  await page.getByLabel('Search local recipients', { exact: true }).fill('sales');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(table.getByRole('row')).toHaveCount(2);
  await page.getByRole('button', { name: 'Remove sales@example.test' }).click();
  await expect(page.getByText('Remove sales@example.test from the list? Mail for it is then refused.')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Remove sales@example.test' }).click();
  await page.getByRole('button', { name: 'Remove address' }).click();
  await expect(status(page, 'The address was removed from the list.')).toBeVisible();
  await page.goto(page.url().split('?')[0]);
  await page.waitForSelector('body[data-hydrated]');
  await expect(table).toContainText('remote@example.test');
  await expect(table).not.toContainText('sales@example.test');

  // Emptied after a question.
  await page.getByRole('button', { name: 'Remove every address' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Remove every address' }).click();
  await page.getByRole('button', { name: 'Empty the list' }).click();
  await expect(page.getByText('The list is empty: every address is taken.')).toBeVisible();

  // Callouts on, kept after a reload; the cache cleared; off again.
  await page.getByLabel(CALLOUTS, { exact: true }).check();
  await page.getByRole('button', { name: 'Save callout setting' }).click();
  await expect(status(page, 'Saved: the next relayed recipient is checked accordingly.')).toBeVisible();
  await page.reload();
  await page.waitForSelector('body[data-hydrated]');
  await expect(page.getByLabel(CALLOUTS, { exact: true })).toBeChecked();
  await expect(page.getByText('0 answers are kept.')).toBeVisible();
  await page.getByRole('button', { name: 'Clear callout cache' }).click();
  await expect(status(page, 'The kept answers are gone: the next message asks again.')).toBeVisible();
  await page.getByLabel(CALLOUTS, { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Save callout setting' }).click();
  await expect(status(page, 'Saved: the next relayed recipient is checked accordingly.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel(CALLOUTS, { exact: true })).not.toBeChecked();

  // Another domain's list is not a domain admin's.
  const answer = await page.request.post('/api/local-recipients/add', {
    form: { domain: '999', address: 'x' },
    headers: { Origin: 'http://localhost:3100' },
  });
  expect(answer.status()).toBe(403);
});
