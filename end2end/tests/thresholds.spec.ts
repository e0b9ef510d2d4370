// Antispam thresholds: a domain's own values (domain admin) and the global ones (master admin).
import { expect, Page, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, open, signIn, USERS } from './helpers';

async function fill(page: Page, label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel(label, { exact: true }).press('Tab');
}

const DEFER = 'Defer (greylist) at score';
const TAG = 'Add X-Spam header and junk at score';
const REJECT = 'Reject at score';

test('a domain admin sets the domain’s thresholds and returns to the global ones', async ({ page }) => {
  await signIn(page, USERS.dora);
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: 'Antispam thresholds of example.test', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Antispam thresholds of example.test', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expectAccessible(page);
  await expect(page.getByRole('status').filter({ hasText: 'uses the global thresholds: defer 4, add header 6, reject 15' })).toBeVisible();
  await expect(page.getByLabel(DEFER, { exact: true })).toHaveValue('4');
  await expect(page.getByRole('button', { name: 'Reset to the global values' })).toHaveCount(0);

  // Checked as typed, then the order on saving.
  await fill(page, REJECT, 'lots');
  await expect(page.locator('#reject-error')).toHaveText('“lots” is not a score like 4 or 6.5.');
  await fill(page, REJECT, '1000');
  await expect(page.locator('#reject-error')).toContainText('Enter a score from 0 to 999');
  await fill(page, REJECT, '15');
  await fill(page, DEFER, '7');
  await page.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(page.locator('#tag-error')).toHaveText('The score for adding the spam header must be above the score for deferring.');

  await fill(page, DEFER, '999');
  await fill(page, TAG, '5,5');
  await fill(page, REJECT, '20');
  await page.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'has its own thresholds: defer 999, add header 5.5, reject 20' })).toBeVisible();

  // Back to the global values, after confirming.
  await page.getByRole('button', { name: 'Reset to the global values' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Reset to the global values' }).click();
  await page.getByRole('button', { name: 'Use the global values' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'uses the global thresholds: defer 4, add header 6, reject 15' })).toBeVisible();

  // Another domain's thresholds and the global screen are not a domain admin's.
  const answer = await page.request.post('/api/antispam/thresholds/save', {
    form: { domain: '999', defer: '999', tag: '999', reject: '999' },
    headers: { Origin: 'http://localhost:3100' },
  });
  expect(answer.status()).toBe(403);
  await open(page, '/account');
  await expect(page.getByRole('link', { name: 'Antispam thresholds', exact: true })).toHaveCount(0);
  const global = await page.goto('/admin/antispam/thresholds');
  expect(global?.status()).toBe(403);
});

test('a master admin sets the global thresholds', async ({ page }) => {
  await signIn(page, 'admin@example.test', GOOD_PASSWORD);
  await page.getByRole('link', { name: 'Antispam thresholds', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Global antispam thresholds', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expectAccessible(page);
  await fill(page, TAG, '16');
  await page.getByRole('button', { name: 'Save global thresholds' }).click();
  await expect(page.locator('#reject-error')).toHaveText('The score for rejecting must be above the score for adding the spam header.');
  await fill(page, TAG, '7');
  await page.getByRole('button', { name: 'Save global thresholds' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved: the next message of every domain' })).toBeVisible();

  // A domain without its own values shows the new global ones.
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: 'Antispam thresholds of example.test', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'uses the global thresholds: defer 4, add header 7, reject 15' })).toBeVisible();

  // Put the defaults back for other tests.
  await open(page, '/admin/antispam/thresholds');
  await fill(page, TAG, '6');
  await page.getByRole('button', { name: 'Save global thresholds' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved:' })).toBeVisible();
});
