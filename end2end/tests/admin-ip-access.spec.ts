// The admin IP access list (master admins): entries with a reason; restricting asks first
// and is refused while one's own address is not listed; once restricted, an admin signing
// in from elsewhere is refused; `mailportal admin unrestrict` lets admins back in. The
// browser is at 127.0.0.1; the portal trusts loopback as a proxy, so a sign-in sent with
// X-Forwarded-For comes "from" that address. The test leaves admin access unrestricted
// and the list empty, as it found them.
import { expect, Page, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, open, portalCli, signIn, USERS } from './helpers';

const MASTER = 'admin@example.test';
const ORIGIN = 'http://localhost:3100';
const OUTSIDE = '198.51.100.7';

const status = (page: Page) => page.getByRole('status').filter({ hasText: 'Admin access is' });

test('a master admin restricts admin access to the list, and the command line lifts it', async ({ page, request }) => {
  await signIn(page, MASTER);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin IP access list' }).click();
  await expect(page.getByRole('heading', { name: 'Admin IP access list', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expect(status(page)).toContainText('Admin access is not restricted');
  await expect(status(page)).toContainText('You are at 127.0.0.1, which is not in the list.');
  await expect(page.getByText('The list is empty.')).toBeVisible();
  await expectAccessible(page);

  await test.step('restricting is refused while this address is not listed', async () => {
    await page.getByRole('button', { name: 'Restrict admin access only to IPs in list' }).click();
    await expect(page.getByText(/only `mailportal admin unrestrict` on the server/)).toBeVisible();
    await page.getByRole('button', { name: 'Restrict admin access', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('would shut you out');
  });

  await test.step('an entry needs a network and a reason', async () => {
    const form = page.getByRole('form', { name: 'Add an IP or network' });
    await form.getByLabel('IP address or network').fill('127.0.0.1');
    await form.getByLabel('Description').fill('x');
    await form.getByRole('button', { name: 'Add' }).click();
    await expect(form.getByText('Say what this network is, in at least 2 characters.')).toBeVisible();
    await form.getByLabel('Description').fill('This machine');
    await form.getByRole('button', { name: 'Add' }).click();
    const row = page.getByRole('table', { name: 'Admin IP access list' }).getByRole('row').filter({ hasText: '127.0.0.1' });
    await expect(row).toContainText('This machine');
    await expect(status(page)).toContainText('in the list as 127.0.0.1');
  });

  await test.step('restricted: an admin from elsewhere is refused, a mail user is not', async () => {
    await page.getByRole('button', { name: 'Restrict admin access only to IPs in list' }).click();
    await page.getByRole('button', { name: 'Restrict admin access', exact: true }).click();
    await expect(status(page)).toContainText('Admin access is restricted');
    await expectAccessible(page);
    const from = (email: string) =>
      request.post('/api/auth/sign_in', {
        form: { email, password: GOOD_PASSWORD },
        headers: { Origin: ORIGIN, 'X-Forwarded-For': OUTSIDE },
      });
    const refused = await from(USERS.dora);
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain(OUTSIDE);
    expect((await from(USERS.alice)).status()).toBe(200);
  });

  await test.step('the command line lets admins in from anywhere again', async () => {
    expect(portalCli(['admin', 'unrestrict'])).toContain('no longer restricted');
    await open(page, '/admin/admin-ip-access');
    await expect(status(page)).toContainText('Admin access is not restricted');
    const row = page.getByRole('table', { name: 'Admin IP access list' }).getByRole('row').filter({ hasText: '127.0.0.1' });
    await row.getByRole('button', { name: /^Remove/ }).click();
    await page.getByRole('button', { name: 'Remove 127.0.0.1' }).click();
    await expect(page.getByText('The list is empty.')).toBeVisible();
  });
});
