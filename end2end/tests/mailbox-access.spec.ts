// A domain admin's view of a mailbox's mail access: its device passwords (to revoke) and
// the IMAP/POP3/SMTP switch, for mailboxes in the admin's own domains only. What the admin
// does holds at the mail login check (/auth/mail) at once.
import { APIRequestContext, expect, test } from '@playwright/test';
import { expectAccessible, mailLogin, open, signIn, USERS } from './helpers';

/** Mona's mail app, from its own address. */
const monaLogin = (request: APIRequestContext, password: string) =>
  mailLogin(request, USERS.mona, password, { clientIp: '192.0.2.45' });

test('a domain admin sees, switches and revokes a mailbox’s mail access', async ({ browser, page, request }) => {
  let password = '';
  await test.step('the owner makes a device password', async () => {
    const owner = await browser.newPage();
    await signIn(owner, USERS.mona);
    await open(owner, '/account/mail-apps');
    await owner.getByLabel('Name of the app').fill('Phone');
    await owner.getByRole('button', { name: 'Create device password' }).click();
    password = (await owner.locator('#device-password').textContent()) ?? '';
    expect(password).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){6}$/);
    expect(await monaLogin(request, password)).toBe('OK');
    await owner.close();
  });

  await signIn(page, USERS.dora);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mailbox access' }).click();
  await expect(page.getByRole('heading', { name: 'Mailbox access' })).toBeVisible();
  await expectAccessible(page);

  await test.step('a mailbox outside the admin’s domains is not found', async () => {
    await page.getByLabel('Mailbox address').fill('someone@elsewhere.test');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page.locator('#mailbox-error')).toHaveText('No account with this address is in your domains.');
    await expect(page.getByLabel('Mailbox address')).toHaveAttribute('aria-invalid', 'true');
  });

  await test.step('the mailbox shows its device passwords, without their secrets', async () => {
    await page.getByLabel('Mailbox address').fill(USERS.mona);
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page).toHaveURL(/mailbox=mona%40example\.test/);
    await expect(page.getByRole('heading', { name: `Device passwords of ${USERS.mona}` })).toBeVisible();
    const row = page.getByRole('row').filter({ hasText: 'Phone' });
    await expect(row).toContainText('from 192.0.2.45 (IMAP)');
    await expect(page.locator('main')).not.toContainText(password);
    await expectAccessible(page);
  });

  await test.step('closing access asks first and refuses the mail apps at once', async () => {
    await page.getByRole('button', { name: 'Close access from mail apps' }).click();
    await expect(page.getByText('Close IMAP, POP3 and SMTP for this mailbox?')).toBeVisible();
    await page.getByRole('button', { name: 'Close access', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Access from mail apps: closed' })).toBeVisible();
    expect(await monaLogin(request, password)).not.toBe('OK');
    await page.getByRole('button', { name: 'Open access from mail apps' }).click();
    await expect(page.getByRole('heading', { name: 'Access from mail apps: open' })).toBeVisible();
    expect(await monaLogin(request, password)).toBe('OK');
  });

  await test.step('revoking asks first, then the device password stops working', async () => {
    await page.getByRole('button', { name: 'Revoke Phone' }).click();
    await expect(page.getByText('until its owner makes a new one')).toBeVisible();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(page.getByText('This mailbox has no device passwords.')).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'The device password was revoked.' })).toBeVisible();
    expect(await monaLogin(request, password)).not.toBe('OK');
  });
});
