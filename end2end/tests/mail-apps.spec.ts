// Device passwords and the switch for IMAP/POP3/SMTP, checked end to end: what the screen
// makes is what the mail login check (/auth/mail, as nginx asks it) accepts.
import { expect, test } from '@playwright/test';
import { expectAccessible, mailLogin, open, signIn, USERS } from './helpers';

test('device passwords and access from mail apps', async ({ page, request }) => {
  await signIn(page, USERS.mia);
  await open(page, '/account/mail-apps');
  await expect(page.getByText('You have no device passwords yet.')).toBeVisible();
  await expectAccessible(page);

  let password = '';
  await test.step('create one for IMAP and SMTP; it is shown once', async () => {
    await page.getByLabel('Name of the app').fill('   ');
    await page.getByRole('button', { name: 'Create device password' }).click();
    await expect(page.locator('#name-error')).toContainText('Name the mail app');
    await page.getByLabel('Name of the app').fill('Thunderbird on laptop');
    await page.getByLabel('Name of the app').press('Tab');
    await page.getByLabel('POP3').uncheck();
    await page.getByRole('button', { name: 'Create device password' }).click();
    const shown = page.locator('#device-password');
    await expect(shown).toHaveText(/^[a-z2-7]{4}(-[a-z2-7]{4}){6}$/);
    password = (await shown.textContent()) ?? '';
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(shown).toHaveCount(0);
    const row = page.getByRole('row').filter({ hasText: 'Thunderbird on laptop' });
    await expect(row).toContainText('IMAP, SMTP');
    await expect(row).toContainText('Never');
  });

  await test.step('the login check accepts it for its protocols only', async () => {
    expect(await mailLogin(request, USERS.mia, password)).toBe('OK');
    expect(await mailLogin(request, USERS.mia, password, { protocol: 'pop3' })).not.toBe('OK');
    await open(page, '/account/mail-apps');
    await expect(page.getByRole('row').filter({ hasText: 'Thunderbird on laptop' })).toContainText('from 192.0.2.44 (IMAP)');
  });

  await test.step('closing access refuses every mail app login', async () => {
    await page.getByRole('button', { name: 'Close access from mail apps' }).click();
    await expect(page.getByText('Mail apps stop working until you open them again.')).toBeVisible();
    await page.getByRole('button', { name: 'Close access', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Access from mail apps: closed' })).toBeVisible();
    expect(await mailLogin(request, USERS.mia, password)).not.toBe('OK');
    await page.getByRole('button', { name: 'Open access from mail apps' }).click();
    await expect(page.getByRole('heading', { name: 'Access from mail apps: open' })).toBeVisible();
    expect(await mailLogin(request, USERS.mia, password)).toBe('OK');
  });

  await test.step('revoking asks first, then the password stops working', async () => {
    await page.getByRole('button', { name: 'Revoke Thunderbird on laptop' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Revoke Thunderbird on laptop' }).click();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(page.getByText('You have no device passwords yet.')).toBeVisible();
    expect(await mailLogin(request, USERS.mia, password)).not.toBe('OK');
  });
});
