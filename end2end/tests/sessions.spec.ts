// The session list, and signing out another browser from it.
import { expect, test } from '@playwright/test';
import { expectAccessible, open, signIn, USERS } from './helpers';

test('list sessions and sign out another browser', async ({ browser }) => {
  const laptop = await browser.newContext();
  const phone = await browser.newContext({ userAgent: 'Mozilla/5.0 (Linux; Android 14) Firefox/130.0' });
  const a = await laptop.newPage();
  const b = await phone.newPage();
  await signIn(a, USERS.sam);
  await signIn(b, USERS.sam);

  await open(a, '/account/sessions');
  await expect(a.getByRole('heading', { name: 'Your sessions' })).toBeVisible();
  await expectAccessible(a);
  const rows = a.getByRole('table', { name: 'Signed-in sessions' }).getByRole('row');
  await expect(rows).toHaveCount(3); // header + two sessions
  await expect(a.getByRole('row').filter({ hasText: 'This browser' })).toHaveCount(1);
  const phoneRow = a.getByRole('row').filter({ hasText: 'Firefox on Android' });
  await expect(phoneRow).toContainText('127.0.0.1');

  await phoneRow.getByRole('button', { name: /Sign out Firefox on Android/ }).click();
  await expect(a.getByRole('status').filter({ hasText: 'The session was signed out.' })).toBeVisible();
  await expect(rows).toHaveCount(2);

  // The phone is signed out for real.
  await b.goto('/account');
  await expect(b).toHaveURL(/\/sign-in$/);
  await laptop.close();
  await phone.close();
});
