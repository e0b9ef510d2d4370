// Each role sees only its screens; a screen above one's role answers 403 and says so.
import { expect, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, open, signIn, USERS } from './helpers';

const nav = (page: import('@playwright/test').Page) => page.getByRole('navigation', { name: 'Main' });

test('a mail user sees account screens only', async ({ page }) => {
  await signIn(page, USERS.alice);
  await expect(nav(page).getByRole('link')).toHaveText(['Overview', 'Password', 'Recovery email', 'Sessions', 'Security', 'Two-factor authentication', 'Passkeys', 'Mail apps', 'Quarantine', 'Mail log', 'My sender lists', 'Teach the spam filter']);
  const response = await page.goto('/admin/audit');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expectAccessible(page);
});

test('a domain admin also sees their domains and their log, not the master screens', async ({ page }) => {
  await signIn(page, USERS.dora);
  await expect(nav(page).getByRole('link')).toHaveText([
    'Overview', 'Password', 'Recovery email', 'Sessions', 'Security', 'Two-factor authentication', 'Passkeys', 'Mail apps', 'Quarantine', 'Mail log', 'My sender lists', 'Teach the spam filter', 'Domains', 'Statistics', 'Delivery queue', 'Mailbox access', 'Unlock 2FA codes',
    'Security incidents', 'Login history', 'User trusted login IPs', 'Audit log', 'API tokens',
  ]);
  await nav(page).getByRole('link', { name: 'Domains' }).click();
  await expect(page.getByRole('heading', { name: 'Domains' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'example.test', exact: true })).toBeVisible();
  await expectAccessible(page);
  expect((await page.goto('/admin/admin-two-factor'))?.status()).toBe(403);
});

test('a master admin sees everything, including refusals in the audit log', async ({ page }) => {
  await signIn(page, 'admin@example.test', GOOD_PASSWORD);
  await expect(nav(page).getByRole('link')).toHaveText([
    'Overview', 'Password', 'Recovery email', 'Sessions', 'Security', 'Two-factor authentication', 'Passkeys', 'Mail apps', 'Quarantine', 'Mail log', 'My sender lists', 'Teach the spam filter', 'Domains', 'Statistics', 'Delivery queue', 'Mailbox access', 'Unlock 2FA codes',
    'Security incidents', 'Login history', 'User trusted login IPs', 'Audit log', 'API tokens', 'Antispam thresholds', 'Global sender lists', 'Admin 2FA', 'Admin IP access list', 'Admins',
  ]);
  await nav(page).getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  const refusals = page.getByRole('row').filter({ hasText: 'Access denied' });
  await expect(refusals.filter({ hasText: 'Mail user tried: open /admin/audit' }).first()).toBeVisible();
  await expectAccessible(page);
});

test('the account overview reads well on a phone', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await signIn(page, USERS.alice);
  await expectAccessible(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
  await open(page, '/account/sessions');
  expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);
});

test('an unknown address shows an accessible 404 page', async ({ page }) => {
  const response = await page.goto('/no/such/screen');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expectAccessible(page);
});
