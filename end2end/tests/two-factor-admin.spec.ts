// The master admin requires two-factor authentication for admins: an admin without it is
// sent to set it up, and admin screens stay closed until then.
import { expect, Page, test } from '@playwright/test';
import { enableTotp, expectAccessible, open, signIn, USERS } from './helpers';

async function setRequirement(page: Page, on: boolean) {
  await open(page, '/admin/admin-two-factor');
  await page.getByLabel('Require two-factor authentication for all admins').setChecked(on);
  await page.getByRole('button', { name: 'Save' }).click();
}

test('require two-factor authentication for admins', async ({ browser }) => {
  test.setTimeout(90_000);
  const master = await (await browser.newContext()).newPage();
  const admin = await (await browser.newContext()).newPage();
  await signIn(master, USERS.max);
  try {
    await test.step('not before the master admin has it', async () => {
      await setRequirement(master, true);
      await expect(master.locator('#require-error')).toContainText('your own account first');
      await expectAccessible(master);
    });
    await enableTotp(master);
    await master.getByRole('button', { name: 'I have saved them' }).click();

    await test.step('required, and the admins without it are listed', async () => {
      await setRequirement(master, true);
      await expect(master.getByRole('status').filter({ hasText: 'The policy was saved.' })).toBeVisible();
      await expect(master.getByRole('listitem').filter({ hasText: USERS.adam })).toBeVisible();
      await expect(master.getByRole('listitem').filter({ hasText: USERS.max })).toHaveCount(0);
    });

    await test.step('an admin without it is sent to set it up', async () => {
      await open(admin, '/sign-in');
      await admin.getByLabel('Email address').fill(USERS.adam);
      await admin.getByLabel('Password').fill('violet tram quietly sings');
      await admin.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect(admin.getByRole('heading', { name: 'Two-factor authentication' })).toBeVisible();
      await expect(admin.getByRole('note')).toContainText('requires two-factor authentication for admin accounts');
      await admin.goto('/admin/domains');
      await expect(admin).toHaveURL(/\/account\/two-factor$/);
    });

    await enableTotp(admin);
    await admin.getByRole('button', { name: 'I have saved them' }).click();
    await open(admin, '/admin/domains');
    await expect(admin.getByRole('heading', { name: 'Domains' })).toBeVisible();

    await test.step('a domain admin can unlock codes; unlocked ones say so', async () => {
      await open(admin, '/admin/unlock-codes');
      await expectAccessible(admin);
      await admin.getByLabel("Account's email address").fill(USERS.alice);
      await admin.getByRole('button', { name: 'Unlock' }).click();
      await expect(admin.locator('#email-error')).toContainText('not locked');
    });
  } finally {
    await setRequirement(master, false);
    await expect(master.getByRole('status').filter({ hasText: 'The policy was saved.' })).toBeVisible();
  }
});
