// Changing the password: every refusal is explained at its field; the new one works.
import { expect, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, open, signIn, signOut, USERS } from './helpers';

const NEW_PASSWORD = 'amber kettle forest lantern';

test('change password, with each mistake explained', async ({ page }) => {
  await signIn(page, USERS.paul);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Password' }).click();
  await expect(page.getByRole('heading', { name: 'Change password' })).toBeVisible();
  await expectAccessible(page);
  const submit = page.getByRole('button', { name: 'Change password' });

  await test.step('a wrong current password', async () => {
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await submit.click();
    await expect(page.locator('#current_password-error')).toHaveText('The current password is not correct.');
  });

  await test.step('too short, checked in the browser and by the server', async () => {
    await page.getByLabel('Current password').fill(GOOD_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('Repeat the new password').focus();
    await expect(page.locator('#new_password-error')).toHaveText('Use at least 8 characters (5 so far).');
  });

  await test.step('confirmation mismatch', async () => {
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill('amber kettle forest lanterns');
    await submit.click();
    await expect(page.locator('#confirm-error')).toContainText('do not match');
  });

  await test.step('success', async () => {
    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await submit.click();
    await expect(page.getByRole('status')).toHaveText('Your password was changed.');
    await expect(page.getByLabel('New password', { exact: true })).toHaveValue('');
  });

  await signOut(page);
  await test.step('the old password no longer works, the new one does', async () => {
    await open(page, '/sign-in');
    await page.getByLabel('Email address').fill(USERS.paul);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'not correct' })).toBeVisible();
    await signIn(page, USERS.paul, NEW_PASSWORD);
  });
});

test('the password form works by keyboard alone', async ({ page }) => {
  await signIn(page, USERS.alice);
  await open(page, '/account/password');
  await page.getByLabel('Current password').focus();
  await page.keyboard.type('not my password');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('New password', { exact: true })).toBeFocused();
  await page.keyboard.type(NEW_PASSWORD);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Repeat the new password')).toBeFocused();
  await page.keyboard.type(NEW_PASSWORD);
  await page.keyboard.press('Tab');
  const checkbox = page.getByLabel('Sign out all my other sessions');
  await expect(checkbox).toBeFocused();
  await page.keyboard.press('Space');
  await expect(checkbox).not.toBeChecked();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Change password' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#current_password-error')).toHaveText('The current password is not correct.');
  await expect(page.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true');
});
