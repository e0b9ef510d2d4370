// Repeated wrong passwords slow sign-in down for that account, and say so.
import { expect, test } from '@playwright/test';
import { GOOD_PASSWORD, open, USERS } from './helpers';

test('after five failures the account must wait, even with the right password', async ({ page }) => {
  await open(page, '/sign-in');
  await page.getByLabel('Email address').fill(USERS.tess);
  for (let i = 0; i < 5; i++) {
    await page.getByLabel('Password').fill(`wrong guess ${i}`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'not correct' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
  }
  await page.getByLabel('Password').fill(GOOD_PASSWORD);
  const response = page.waitForResponse((r) => r.url().endsWith('/api/auth/sign_in'));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  expect((await response).status()).toBe(429);
  await expect(page.getByRole('alert').filter({ hasText: 'Too many failed attempts' })).toContainText(
    /Please wait \d+ seconds and try again\./,
  );
  await expect(page).toHaveURL(/\/sign-in$/);
});
