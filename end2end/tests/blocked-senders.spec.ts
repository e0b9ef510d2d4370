// Authenticated submission's sending limit: a domain admin sets how many messages a person
// may send an hour, a mail user (sending with SMTP AUTH through Python's smtplib) who goes
// over it is blocked, and Statistics → Blocked senders lists them for the domain admin and
// the master admin, who unblock them after a question. A mail user has no such screen.
import { Browser, expect, Page, test } from '@playwright/test';
import { submitMail } from './mail';
import { expectAccessible, GOOD_PASSWORD, open, signIn, USERS } from './helpers';

const MASTER = 'admin@example.test';
const SID = USERS.sid;
const LIMIT = 'Messages a person may send an hour';

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, GOOD_PASSWORD);
  return page;
}

async function openSettings(page: Page) {
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: 'Settings of example.test', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Settings of example.test', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

async function setLimit(page: Page, value: string) {
  await openSettings(page);
  await page.getByLabel(LIMIT, { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The settings were saved.' })).toBeVisible();
}

async function openBlocked(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Statistics', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Statistics', level: 1 })).toBeVisible();
  await page.getByRole('navigation', { name: 'Statistics screens' }).getByRole('link', { name: 'Blocked senders', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Blocked senders', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

const blockedRow = (page: Page, email: string) =>
  page.getByRole('region', { name: 'People blocked from sending' }).getByRole('row').filter({ hasText: email });

test('a user over the hourly limit is blocked from sending until an admin unblocks them', async ({ browser }) => {
  test.setTimeout(90_000);
  const t = Date.now().toString(36);
  const dora = await signedIn(browser, USERS.dora);

  await test.step('the domain admin sets the limit; a bad number is explained', async () => {
    await openSettings(dora);
    await dora.getByLabel(LIMIT, { exact: true }).fill('0');
    await dora.getByLabel(LIMIT, { exact: true }).press('Tab');
    await expect(dora.locator('#send_limit-error')).toContainText('from 1 to');
    await setLimit(dora, '2');
  });

  await test.step('two messages go, the third is refused, and then nothing goes', async () => {
    expect(submitMail(SID, 'not the password', [USERS.alice], `Wrong ${t}`)).toBe('denied');
    expect(submitMail(SID, GOOD_PASSWORD, [USERS.alice], `Note 1 ${t}`)).toBe('accepted');
    expect(submitMail(SID, GOOD_PASSWORD, [USERS.alice, 'friend@elsewhere.example'], `Note 2 ${t}`)).toBe('accepted');
    expect(submitMail(SID, GOOD_PASSWORD, [USERS.alice], `Note 3 ${t}`)).toBe('refused');
    expect(submitMail(SID, GOOD_PASSWORD, [USERS.alice], `Note 4 ${t}`)).toBe('blocked');
  });

  await test.step('the domain admin finds them on Blocked senders', async () => {
    await openBlocked(dora);
    const row = blockedRow(dora, SID);
    await expect(row.locator('td[data-label="Hourly limit"]')).toHaveText('2');
    await expect(row.locator('td[data-label="Sent in 24 hours"]')).toHaveText('2');
    await expectAccessible(dora);
  });

  await test.step('the master admin sees them too', async () => {
    const master = await signedIn(browser, MASTER);
    await openBlocked(master);
    await expect(blockedRow(master, SID)).toHaveCount(1);
    await master.context().close();
  });

  await test.step('unblocking asks first; Cancel keeps the block', async () => {
    const row = blockedRow(dora, SID);
    await row.getByRole('button', { name: `Unblock… ${SID}`, exact: true }).click();
    await expect(dora.getByText(`Let ${SID} send again?`, { exact: false })).toBeVisible();
    await expectAccessible(dora);
    await row.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(blockedRow(dora, SID)).toHaveCount(1);
    await row.getByRole('button', { name: `Unblock… ${SID}`, exact: true }).focus();
    await dora.keyboard.press('Enter');
    await row.getByRole('button', { name: `Unblock ${SID}`, exact: true }).focus();
    await dora.keyboard.press('Enter');
    await expect(dora.getByRole('status').filter({ hasText: `${SID} may send again.` })).toBeVisible();
    await expect(dora.getByText('Nobody is blocked from sending.', { exact: true })).toBeVisible();
  });

  await test.step('the mail user has no such screen', async () => {
    const sid = await signedIn(browser, SID);
    await expect(sid.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Statistics', exact: true })).toHaveCount(0);
    await open(sid, '/stats/blocked-senders');
    await expect(sid.getByRole('heading', { name: 'No access' })).toBeVisible();
    await sid.context().close();
  });

  await test.step('the limit back to the default', async () => {
    await setLimit(dora, '');
  });
});
