// API tokens end to end: made on the screen and shown once, used by a script (a plain
// HTTP client with the Bearer header) within the areas ticked, revoked after a question.
import { expect, test } from '@playwright/test';
import { expectAccessible, open, signIn, USERS } from './helpers';

test('an admin makes a token for a script, sees it used, and revokes it', async ({ page, request }) => {
  await signIn(page, USERS.tara);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API tokens' }).click();
  await expect(page.getByRole('heading', { name: 'API tokens' })).toBeVisible();
  await expect(page.getByText('You have no API tokens.')).toBeVisible();
  await expectAccessible(page);

  let secret = '';
  await test.step('a name is needed; the secret is shown once', async () => {
    await page.getByLabel('Name').fill('   ');
    await page.getByRole('button', { name: 'Make token' }).click();
    await expect(page.locator('#name-error')).toContainText('Give the token a name');
    await page.getByLabel('Name').fill('Nightly report');
    await page.getByLabel('Name').press('Tab');
    await page.getByLabel('Quarantine').check();
    await page.getByLabel('Mail log and statistics').check();
    await page.getByLabel('Allowed client addresses (optional)').fill('127.0.0.1\n::1');
    await page.getByRole('button', { name: 'Make token' }).click();
    const shown = page.locator('#api-token-secret');
    await expect(shown).toHaveText(/^mpt_[A-Za-z0-9_-]{43}$/);
    secret = (await shown.textContent()) ?? '';
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(shown).toHaveCount(0);
    const row = page.getByRole('row').filter({ hasText: 'Nightly report' });
    await expect(row).toContainText('Read-only: Quarantine, Mail log and statistics; all your domains');
    await expect(row).toContainText('127.0.0.1, ::1');
    await expect(row).toContainText('Never');
  });

  await test.step('a script reads its areas with it, and nothing else', async () => {
    const headers = { authorization: `Bearer ${secret}` };
    const quarantine = await request.post('/api/quarantine/list', { headers, form: {} });
    expect(quarantine.status()).toBe(200);
    const mailboxes = await request.post('/api/mailboxes/list', { headers, form: { domain: '1' } });
    expect(mailboxes.status()).toBe(403);
    await open(page, '/account/api-tokens');
    await expect(page.getByRole('row').filter({ hasText: 'Nightly report' })).toContainText(/from (127\.0\.0\.1|::1)/);
  });

  await test.step('the API page lists each function with its fields', async () => {
    await page.getByRole('link', { name: "The API's functions" }).click();
    await expect(page.getByRole('heading', { name: 'API', exact: true })).toBeVisible();
    const row = page.getByRole('row').filter({ hasText: '/api/aliases/list' });
    await expect(row).toContainText('Reads');
    await expect(row).toContainText('domain (integer)');
    await expectAccessible(page);
  });

  await test.step('revoking asks first, then the token is refused', async () => {
    await open(page, '/account/api-tokens');
    await page.getByRole('button', { name: 'Revoke Nightly report' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Revoke Nightly report' }).click();
    await expect(page.getByText('Scripts using it are refused from now on.')).toBeVisible();
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await expect(page.getByText('You have no API tokens.')).toBeVisible();
    const refused = await request.post('/api/quarantine/list', {
      headers: { authorization: `Bearer ${secret}` },
      form: {},
    });
    expect(refused.status()).toBe(401);
  });
});
