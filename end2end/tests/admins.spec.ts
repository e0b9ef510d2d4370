// Sub-admins end to end: a master admin adds an admin for the quarantine and the mail log
// of one domain; that admin's menus show only those areas, their screens work and others
// are refused; then the master admin widens the rights and the menus follow.
import { expect, test } from '@playwright/test';
import { DOMAIN, expectAccessible, GOOD_PASSWORD, signIn, signOut } from './helpers';

const MASTER = 'admin@example.test';
const HELPER = `quinta@${DOMAIN}`;
const nav = (page: import('@playwright/test').Page) => page.getByRole('navigation', { name: 'Main' });

test('a master admin delegates the quarantine and logs of one domain', async ({ page }) => {
  await signIn(page, MASTER);
  await nav(page).getByRole('link', { name: 'Admins', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Admins', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expect(page.getByRole('row').filter({ hasText: MASTER })).toContainText('You');
  await expectAccessible(page);

  await test.step('add an admin for two areas of one domain', async () => {
    await page.getByLabel('Email address').fill(HELPER);
    await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await page.locator('#new-admin-area-quarantine').check();
    await page.locator('#new-admin-area-logs').check();
    await page.getByLabel('May change things (otherwise read-only)').check();
    await page.locator('#new-admin-domains').fill('nowhere.test');
    await page.getByRole('button', { name: 'Add admin' }).click();
    await expect(page.locator('#new-admin-domains-error')).toContainText('nowhere.test is not a domain here');
    await page.locator('#new-admin-domains').fill(DOMAIN);
    await page.getByRole('button', { name: 'Add admin' }).click();
    await expect(page.getByText('The admin was added.')).toBeVisible();
    const row = page.getByRole('row').filter({ hasText: HELPER });
    await expect(row).toContainText('Domain admin');
    await expect(row).toContainText('Read and change: Quarantine, Mail log and statistics');
    await expect(row).toContainText(DOMAIN);
  });

  await test.step('their menus show their areas only, and other screens refuse them', async () => {
    await signOut(page);
    await signIn(page, HELPER);
    const links = await nav(page).getByRole('link').allTextContents();
    expect(links).toContain('Statistics');
    expect(links).toContain('API tokens');
    for (const hidden of ['Domains', 'Delivery queue', 'Mailbox access', 'Security incidents', 'Audit log']) {
      expect(links).not.toContain(hidden);
    }
    await nav(page).getByRole('link', { name: 'Statistics' }).click();
    await expect(page.getByRole('heading', { name: 'Statistics', level: 1 })).toBeVisible();
    const refused = await page.request.post('/api/mailboxes/list', {
      form: { domain: '1' },
      headers: { origin: 'http://localhost:3100' },
    });
    expect(refused.status()).toBe(403);
  });

  await test.step('widened to mailboxes, the menus follow', async () => {
    await signOut(page);
    await signIn(page, MASTER);
    await page.goto('/admin/admins');
    await page.waitForSelector('body[data-hydrated]');
    await page.getByRole('button', { name: `Change rights of ${HELPER}` }).click();
    const id = await page.getByRole('row').filter({ hasText: HELPER }).locator('input[name=id]').inputValue();
    await page.locator(`#admin-${id}-area-mailboxes`).check();
    await page.getByRole('button', { name: `Save rights of ${HELPER}` }).click();
    await expect(page.getByText('The rights were changed.')).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: HELPER })).toContainText(
      'Read and change: Mailboxes and aliases, Quarantine, Mail log and statistics',
    );
    await signOut(page);
    await signIn(page, HELPER);
    await expect(nav(page).getByRole('link', { name: 'Domains' })).toBeVisible();
    await expect(nav(page).getByRole('link', { name: 'Mailbox access' })).toBeVisible();
  });
});
