// Passkeys with Chromium's virtual authenticators: add two, sign in without a password,
// passkey-only sign-in, rename, delete (asked first), and a deleted one refused.
import { CDPSession, expect, Page, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, open, signIn, signOut, USERS } from './helpers';

/** A virtual authenticator that verifies the user (like a fingerprint) and keeps passkeys. */
async function addAuthenticator(cdp: CDPSession, transport: 'internal' | 'usb'): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport,
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

async function addPasskey(page: Page, name: string) {
  await page.getByLabel('Passkey name').fill(name);
  await page.getByRole('button', { name: 'Add passkey' }).click();
  await expect(page.getByRole('status').filter({ hasText: `The passkey “${name}” was added.` })).toBeVisible();
  await expect(page.getByRole('cell', { name, exact: true })).toBeVisible();
}

async function signInWithPasskey(page: Page) {
  await open(page, '/sign-in');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
}

test('passkeys: add two, sign in without a password, rename, delete', async ({ page }) => {
  test.setTimeout(90_000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const laptop = await addAuthenticator(cdp, 'internal');

  await signIn(page, USERS.pia);
  await open(page, '/account/passkeys');
  await expect(page.getByText('You have no passkeys yet.')).toBeVisible();
  await expectAccessible(page);

  await test.step('a name is required', async () => {
    await page.getByRole('button', { name: 'Add passkey' }).click();
    await expect(page.locator('#name-error')).toContainText('Give the passkey a name');
  });

  await addPasskey(page, 'Laptop');
  // Keep the laptop's passkey (private key included) to bring it back after it is deleted.
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: laptop });
  expect(credentials).toHaveLength(1);
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: laptop });
  const key = await addAuthenticator(cdp, 'usb');
  await addPasskey(page, 'Security key');
  await expectAccessible(page);

  await signOut(page);
  await test.step('sign in with a passkey, no address or password typed', async () => {
    await signInWithPasskey(page);
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  });

  await test.step('passkeys only: the password stops working, a passkey turns it back on', async () => {
    await open(page, '/account/passkeys');
    await page.getByRole('button', { name: 'Sign in with passkeys only' }).click();
    await expect(page.getByRole('heading', { name: 'Password sign-in: off' })).toBeVisible();
    await signOut(page);
    await open(page, '/sign-in');
    await page.getByLabel('Email address').fill(USERS.pia);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.locator('#password-error')).toContainText('passkey only');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
    await open(page, '/account/passkeys');
    await page.getByRole('button', { name: 'Allow password sign-in again' }).click();
    await expect(page.getByRole('heading', { name: 'Password sign-in: on' })).toBeVisible();
  });

  await test.step('rename', async () => {
    await page.getByRole('button', { name: 'Rename Laptop' }).click();
    await page.getByLabel('New name for “Laptop”').fill('Work laptop');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('cell', { name: 'Work laptop', exact: true })).toBeVisible();
  });

  await test.step('delete asks first', async () => {
    await page.getByRole('button', { name: 'Delete Work laptop' }).click();
    await expect(page.getByText('You will no longer be able to sign in with it.')).toBeVisible();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('cell', { name: 'Work laptop', exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Delete Work laptop' }).click();
    await page.getByRole('button', { name: 'Delete passkey' }).click();
    await expect(page.getByRole('cell', { name: 'Work laptop', exact: true })).toHaveCount(0);
    await expect(page.getByRole('cell', { name: 'Security key', exact: true })).toBeVisible();
  });

  await signOut(page);
  await test.step('the deleted passkey is refused', async () => {
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: key });
    const old = await addAuthenticator(cdp, 'internal');
    await cdp.send('WebAuthn.addCredential', { authenticatorId: old, credential: credentials[0] });
    await signInWithPasskey(page);
    await expect(page.getByRole('alert').filter({ hasText: 'not registered here' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Sign in to Mail Portal' })).toBeVisible();
  });
});
