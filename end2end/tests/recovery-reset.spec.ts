// Recovery email, then a password reset through the link it receives.
import { expect, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, linkIn, newestMailTo, open, signIn, signOut, USERS } from './helpers';

const RECOVERY = 'rita.private@elsewhere.test';
const NEW_PASSWORD = 'harbour pencil orbit meadow';

test('set a recovery email and reset the password through it', async ({ page }) => {
  await signIn(page, USERS.rita);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Recovery email' }).click();
  await expect(page.getByRole('heading', { name: 'Recovery email' })).toBeVisible();
  await expectAccessible(page);

  await test.step('the password is asked for again', async () => {
    await page.getByLabel('Recovery email address').fill(RECOVERY);
    await page.getByLabel('Current password').fill('wrong password');
    await page.getByRole('button', { name: 'Save recovery email' }).click();
    await expect(page.locator('#current_password-error')).toHaveText('The current password is not correct.');
  });

  await test.step('an address inside this account is refused', async () => {
    await page.getByLabel('Recovery email address').fill(USERS.rita);
    await page.getByLabel('Current password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Save recovery email' }).click();
    await expect(page.locator('#recovery_email-error')).toContainText('outside this account');
  });

  await test.step('saved', async () => {
    await page.getByLabel('Recovery email address').fill(RECOVERY);
    await page.getByLabel('Current password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Save recovery email' }).click();
    await expect(page.getByRole('status')).toHaveText('Your recovery email was saved.');
    await expect(page.locator('.current')).toContainText(RECOVERY);
  });
  await signOut(page);

  const requestedAt = Date.now() - 1000;
  await test.step('ask for a reset link', async () => {
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
    await page.waitForSelector('body[data-hydrated]');
    await expectAccessible(page);
    await page.getByLabel('Email address').fill(USERS.rita);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect(page.getByRole('status')).toContainText('a reset link is on its way');
  });

  const link = linkIn(await newestMailTo(RECOVERY, requestedAt));
  expect(link).toMatch(/\/reset-password\/[A-Za-z0-9_-]{43}$/);

  await test.step('choose a new password through the link', async () => {
    await open(page, link);
    await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
    await expectAccessible(page);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.getByRole('status')).toContainText('Your password was changed');
  });

  await test.step('the link works once', async () => {
    const response = await page.goto(link);
    expect(response?.status()).toBe(410);
    await expect(page.getByRole('alert')).toContainText('expired or was used already');
  });

  await signIn(page, USERS.rita, NEW_PASSWORD);
});

test('a reset request for an unknown address looks the same', async ({ page }) => {
  await open(page, '/reset-password');
  await page.getByLabel('Email address').fill('nobody@example.test');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status')).toContainText('a reset link is on its way');
});
