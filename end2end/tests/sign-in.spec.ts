// Sign in and out, the wrong-password message, keyboard use, and the sign-in page's layout.
import { expect, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, open, signIn, signOut, USERS } from './helpers';

test('the sign-in page is accessible and reads well on a phone', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await open(page, '/sign-in');
  await expectAccessible(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
});

test('a wrong password and an unknown address get the same message', async ({ page }) => {
  await open(page, '/sign-in');
  const messages: string[] = [];
  for (const email of [USERS.alice, 'nobody@example.test']) {
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill('not the password');
    const response = page.waitForResponse((r) => r.url().endsWith('/api/auth/sign_in'));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    expect((await response).status()).toBe(401);
    const alert = page.getByRole('alert').filter({ hasText: 'not correct' });
    await expect(alert).toBeVisible();
    messages.push((await alert.textContent()) ?? '');
  }
  expect(messages[0]).toBe('The email address or password is not correct.');
  expect(messages[1]).toBe(messages[0]);
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('a malformed address is explained next to its field before submitting', async ({ page }) => {
  await open(page, '/sign-in');
  await page.getByLabel('Email address').fill('alice');
  await page.getByLabel('Password').focus();
  await expect(page.locator('#email-error')).toHaveText('An email address needs an @, for example name@example.org.');
  await expect(page.getByLabel('Email address')).toHaveAttribute('aria-invalid', 'true');
});

test('sign in and out by keyboard alone', async ({ page }) => {
  await open(page, '/sign-in');
  await page.keyboard.press('Tab'); // the email field is the first control
  await expect(page.getByLabel('Email address')).toBeFocused();
  await page.keyboard.type(USERS.alice);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(GOOD_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expectAccessible(page);

  // On a fresh load the skip link is the first stop, and it moves on to the content.
  await open(page, '/account');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#main')).toBeFocused();

  await page.getByRole('button', { name: 'Sign out' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Sign in to Mail Portal' })).toBeVisible();

  // Signed out for real: the account screen sends back to sign-in.
  await page.goto('/account');
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('signing in replaces the session cookie', async ({ page, context }) => {
  await signIn(page, USERS.alice);
  const first = (await context.cookies()).find((c) => c.name === 'mailportal_session');
  expect(first?.httpOnly).toBe(true);
  expect(first?.sameSite).toBe('Strict');
  await signOut(page);
  await signIn(page, USERS.alice);
  const second = (await context.cookies()).find((c) => c.name === 'mailportal_session');
  expect(second?.value).not.toBe(first?.value);
});
