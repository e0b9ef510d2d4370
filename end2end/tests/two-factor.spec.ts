// TOTP two-factor authentication for a mail user: set up, sign in with a code and with a
// recovery code, a reused code refused, turned off again. The test reads the key from the
// page and computes codes as an authenticator app would.
import { expect, test } from '@playwright/test';
import { enableTotp, expectAccessible, GOOD_PASSWORD, open, signIn, signInWithCode, signOut, USERS } from './helpers';

test('set up TOTP, sign in with codes and a recovery code, then turn it off', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, USERS.tina);
  await open(page, '/account/two-factor');
  await expect(page.getByRole('heading', { name: 'Authenticator app: off' })).toBeVisible();
  await expectAccessible(page);

  await test.step('a wrong code leaves it off and hints at the clock', async () => {
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    await expect(page.getByRole('img', { name: 'QR code holding your secret key' })).toBeVisible();
    await expectAccessible(page);
    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Verify and turn on' }).click();
    await expect(page.locator('#code-error')).toContainText('clock');
    await expect(page.getByLabel('Code from the app')).toHaveAttribute('aria-invalid', 'true');
  });

  const { app, codes } = await enableTotp(page);
  await test.step('the recovery codes are shown once, to copy or download', async () => {
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const download = page.getByRole('link', { name: 'Download as text' });
    await expect(download).toHaveAttribute('download', 'mail-portal-recovery-codes.txt');
    expect(decodeURIComponent((await download.getAttribute('href')) ?? '')).toContain(codes[9]);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect(page.getByRole('region', { name: 'Your recovery codes' })).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Authenticator app: on' })).toBeVisible();
    await expect(page.locator('#totp-key')).toHaveCount(0);
  });

  await signOut(page);
  await test.step('the password alone opens nothing', async () => {
    await open(page, '/sign-in');
    await page.getByLabel('Email address').fill(USERS.tina);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Enter your code' })).toBeVisible();
    await expectAccessible(page);
    expect((await page.goto('/account')).url()).toMatch(/\/sign-in$/);
  });

  await signInWithCode(page, USERS.tina, await app.code());
  await expect(page.getByText(/On since/)).toBeVisible();
  await signOut(page);

  await test.step('a used code is refused; a recovery code works', async () => {
    await open(page, '/sign-in');
    await page.getByLabel('Email address').fill(USERS.tina);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Enter your code' })).toBeVisible();
    await page.waitForSelector('body[data-hydrated]');
    await page.getByLabel('Authentication code').fill(app.lastCode());
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.locator('#code-error')).toContainText('already used');
    await page.getByLabel('Authentication code').fill(codes[0]);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  });

  await test.step('regenerating asks first, and the old codes stop working', async () => {
    await open(page, '/account/two-factor');
    await expect(page.getByText('9 unused')).toBeVisible();
    await page.getByRole('button', { name: 'Generate new recovery codes' }).click();
    await expect(page.getByText('Your current recovery codes will stop working.')).toBeVisible();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Generate new recovery codes' }).click();
    await page.getByRole('button', { name: 'Generate new codes' }).click();
    const panel = page.getByRole('region', { name: 'Your recovery codes' });
    await expect(panel.getByRole('listitem')).toHaveCount(10);
    const fresh = (await panel.getByRole('listitem').allTextContents()).map((c) => c.trim());
    expect(fresh).not.toContain(codes[1]);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect(page.getByText('10 unused')).toBeVisible();

    await page.getByLabel('Code from the app, or a recovery code').fill(codes[1]);
    await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    await expect(page.locator('#code-error')).toContainText('not correct');

    await page.getByLabel('Code from the app, or a recovery code').fill(fresh[0]);
    await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    await expect(page.getByRole('heading', { name: 'Authenticator app: off' })).toBeVisible();
  });

  await signOut(page);
  await signIn(page, USERS.tina); // no code step any more
});
