// First start: the setup link the server printed creates the first master admin.
import { expect, test } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_DIR, expectAccessible, GOOD_PASSWORD, open } from './helpers';

test('first start: the setup link creates the first master admin, once', async ({ page }) => {
  const linkFile = path.join(DATA_DIR, 'setup-link.txt');
  await expect.poll(() => fs.existsSync(linkFile)).toBe(true);
  const link = fs.readFileSync(linkFile, 'utf8').trim();
  expect(link).toMatch(/^http:\/\/localhost:3100\/setup\/[A-Za-z0-9_-]{43}$/);

  await open(page, link);
  await expect(page.getByRole('heading', { name: 'Set up Mail Portal' })).toBeVisible();
  await expectAccessible(page);

  await test.step('a common password is refused next to its field', async () => {
    await page.getByLabel('Your email address').fill('admin@example.test');
    await page.getByLabel('Password', { exact: true }).fill('password123');
    await page.getByLabel('Repeat the password').fill('password123');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await expect(page.locator('#password-error')).toContainText('commonly used');
    await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  });

  await test.step('a mismatched confirmation is refused', async () => {
    await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await page.getByLabel('Repeat the password').fill(GOOD_PASSWORD + 'x');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await expect(page.locator('#confirm-error')).toContainText('do not match');
  });

  await test.step('valid input creates the admin and signs in', async () => {
    await page.getByLabel('Repeat the password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
    await expect(page.getByText('admin@example.test').first()).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' })).toBeVisible();
  });

  await test.step('the link does not work twice', async () => {
    const response = await page.goto(link);
    expect(response?.status()).toBe(410);
    await expect(page.getByRole('alert')).toContainText('expired or was used already');
    expect(fs.existsSync(linkFile)).toBe(false);
  });
});
