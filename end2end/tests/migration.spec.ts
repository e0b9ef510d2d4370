// Auto migration end to end: a master admin names the old IMAP server of the hosted test
// domain (Dovecot on loopback, tests/imap-source.ts); users sign up with the address and
// password they have there, and find their mail copied, folders, flags and dates included;
// "Copy again" brings only what is new; a common password is brought over with advice;
// once the old server is removed, nobody else signs up. Only this spec uses these addresses.
import { Browser, expect, Page, test } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_DIR, DOMAIN, expectAccessible, GOOD_PASSWORD, open, signIn } from './helpers';
import { OLD_IMAP_SERVER, OldMessage, OldServer } from './imap-source';

/** The master admin that first-start.setup.ts created. */
const MASTER = 'admin@example.test';
const ORIGIN = 'http://localhost:3100';

const MOVER = `mover@${DOMAIN}`;
const MOVER_PASSWORD = 'lantern harbour seven';
/** On the list of common passwords (accounts.setup.ts has it refused for a new account). */
const EASY = `easy@${DOMAIN}`;
const EASY_PASSWORD = 'qwertyuiop';
/** On the old server too, but comes after sign-up was closed. */
const LATE = `late@${DOMAIN}`;
const LATE_PASSWORD = 'copper meadow ninety';
/** Where the users' browsers are (X-Forwarded-For; the portal trusts loopback as a proxy):
 * their refused attempts count against this address, not against the other specs'. */
const USERS_IP = '198.51.100.61';

const at = (iso: string) => Date.parse(iso) / 1000;
const OLD_MAIL: OldMessage[] = [
  { folder: 'INBOX', subject: 'Welcome to the old server', flags: [], date: at('2020-01-02T10:00:00Z') },
  { folder: 'INBOX', subject: 'Invoice 2021', flags: ['\\Seen'], date: at('2021-01-01T10:00:00Z') },
  { folder: 'INBOX', subject: 'Holiday photos', flags: ['\\Seen', '\\Flagged'], date: at('2022-07-15T08:30:00Z') },
  { folder: 'Archive', subject: 'Minutes of 2019', flags: ['\\Seen'], date: at('2019-03-04T12:00:00Z') },
  { folder: 'Archive', subject: 'Old contract', flags: ['\\Seen', '\\Answered'], date: at('2018-11-20T16:45:00Z') },
];
const ARRIVED_LATER: OldMessage = { folder: 'INBOX', subject: 'Sent to the old address', flags: [], date: at('2024-05-06T07:00:00Z') };

/** The copied Maildir of `user` (Dovecot's layout: INBOX itself, other folders `.Name`). */
const mailbox = (user: string) => path.join(DATA_DIR, 'maildir', DOMAIN, user.split('@')[0]);
const curFiles = (dir: string) => (fs.existsSync(path.join(dir, 'cur')) ? fs.readdirSync(path.join(dir, 'cur')) : []);
/** The Maildir flag letters of each copied message, sorted. */
const flagsIn = (dir: string) => curFiles(dir).map((f) => f.split(':2,')[1] ?? '').sort();

// Each test waits for copies, and Dovecot answers a wrong password after 2 seconds or more.
test.describe.configure({ mode: 'serial', timeout: 90_000 });

let old: OldServer | undefined;
let localAllowed = false;

test.beforeAll(async () => {
  old = await OldServer.start({ [MOVER]: MOVER_PASSWORD, [EASY]: EASY_PASSWORD, [LATE]: LATE_PASSWORD });
  old.append(MOVER, MOVER_PASSWORD, OLD_MAIL);
});

test.afterAll(async ({ browser }) => {
  await old?.stop();
  if (localAllowed) {
    // A test failed before the last one put it back: later specs expect a fresh portal's refusal.
    const page = await (await browser.newContext()).newPage();
    await signIn(page, MASTER, GOOD_PASSWORD);
    await allowLocal(page, false);
  }
});

/** A master admin's switch (Routes of a relay domain) that lets the old server be on loopback. */
async function allowLocal(page: Page, allow: boolean) {
  const answer = await page.request.post('/api/routes/allow_local', {
    form: { allow: String(allow) },
    headers: { Origin: ORIGIN },
  });
  expect(answer.status()).toBe(200);
  localAllowed = allow;
}

async function openAutoMigration(page: Page) {
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: `Auto migration of ${DOMAIN}`, exact: true }).click();
  await expect(page.getByRole('heading', { name: `Auto migration of ${DOMAIN}`, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

/** A browser of one of the domain's users, signed in to nothing yet. */
async function usersBrowser(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': USERS_IP } });
  return await context.newPage();
}

async function fillSignUp(page: Page, email: string, password: string) {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign up and move my mail' }).click();
}

const userRow = (page: Page, email: string) =>
  page.getByRole('table', { name: 'Users' }).getByRole('row').filter({ has: page.getByRole('cell', { name: email, exact: true }) });

test('a master admin names the old IMAP server of a hosted domain', async ({ page }) => {
  await signIn(page, MASTER, GOOD_PASSWORD);
  await allowLocal(page, true);
  await openAutoMigration(page);
  await expect(page.getByRole('navigation', { name: `Pages of ${DOMAIN}` }).getByRole('link', { name: 'Auto migration' }))
    .toHaveAttribute('aria-current', 'page');
  await expect(page.getByText('No old server is set, so sign-up is closed.')).toBeVisible();
  await expect(page.getByText('No one has signed up yet.')).toBeVisible();
  await expect(page.getByRole('link', { name: '/sign-up' })).toHaveAttribute('href', '/sign-up');
  await expectAccessible(page);

  await test.step('a malformed server is explained at its field', async () => {
    await page.getByLabel('Server', { exact: true }).fill('imap old example');
    await page.getByLabel('Server', { exact: true }).press('Tab');
    await expect(page.locator('#server-error')).not.toBeEmpty();
    await expect(page.getByLabel('Server', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  });

  await test.step('the Dovecot on loopback, without TLS, sign-up open', async () => {
    await page.getByLabel('Server', { exact: true }).fill(OLD_IMAP_SERVER);
    await page.getByLabel('Server', { exact: true }).press('Tab');
    await page.getByLabel('Connection security').selectOption('plain');
    await expect(page.getByLabel('Users may sign up now')).toBeChecked();
    await page.getByRole('button', { name: 'Save old server' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The old server was saved.' })).toBeVisible();
    await expect(page.getByText('Sign-up is open.')).toBeVisible();
    await expect(page.getByLabel('Server', { exact: true })).toHaveValue(OLD_IMAP_SERVER);
    await expect(page.getByLabel('Connection security')).toHaveValue('plain');
  });
});

test('a user signs up with their old password and finds their mail copied, folders and flags included', async ({ page, browser }) => {
  const user = await usersBrowser(browser);
  await open(user, '/sign-in');
  await user.getByRole('link', { name: 'Sign up with your current address and password' }).click();
  await expect(user.getByRole('heading', { name: 'Move your mailbox here', level: 1 })).toBeVisible();
  await expectAccessible(user);

  await test.step('a wrong password is refused, and no account is made', async () => {
    await fillSignUp(user, MOVER, 'not my old password');
    // Dovecot answers a wrong password after 2 seconds: long enough to see the wait said.
    await expect(user.getByRole('status').filter({ hasText: 'Checking with your mail server…' })).toBeVisible();
    await expect(user.getByRole('button', { name: 'Sign up and move my mail' })).toBeDisabled();
    await expect(user.locator('#password-error')).toContainText('did not accept');
    await expect(user.getByLabel('Password', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(user.getByRole('button', { name: 'Sign up and move my mail' })).toBeEnabled();

    await open(user, '/sign-in');
    await user.getByLabel('Email address').fill(MOVER);
    await user.getByLabel('Password').fill(MOVER_PASSWORD);
    await user.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(user.getByRole('alert').filter({ hasText: 'The email address or password is not correct.' })).toBeVisible();

    await signIn(page, MASTER, GOOD_PASSWORD);
    await openAutoMigration(page);
    await expect(page.getByText('No one has signed up yet.')).toBeVisible();
  });

  await test.step('the right password makes the account and starts the copy', async () => {
    await open(user, '/sign-up');
    await fillSignUp(user, MOVER, MOVER_PASSWORD);
    await expect(user).toHaveURL(/\/account\/migration$/);
    await expect(user.getByRole('heading', { name: 'Mail migration', level: 1 })).toBeVisible();
    await expect(user.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mail migration' })).toBeVisible();
  });

  await test.step('the screen follows the copy until it is done', async () => {
    await expect(user.locator('#copy-state')).toHaveText('Done', { timeout: 30_000 });
    await expect(user.getByRole('progressbar', { name: 'Copy progress' })).toHaveAttribute('value', '100');
    await expect(user.locator('#copy-progress-text')).toHaveText('100%: 5 of 5 messages, 2 of 2 folders');
    const folders = user.getByRole('table', { name: 'Folders' });
    await expect(folders.getByRole('row')).toHaveCount(3);
    await expect(folders.getByRole('row').filter({ hasText: 'Archive' })).toContainText('2 of 2');
    await expect(folders.getByRole('row').filter({ hasText: 'Archive' })).toContainText('Done');
    await expect(folders.getByRole('row').filter({ hasText: /inbox/i })).toContainText('3 of 3');
    await expect(user.getByRole('heading', { name: 'Copy again' })).toBeVisible();
    await expectAccessible(user);
  });

  await test.step('the messages are in the new mailbox with their flags and dates', () => {
    expect(flagsIn(mailbox(MOVER))).toEqual(['', 'FS', 'S']);
    const archive = path.join(mailbox(MOVER), '.Archive');
    expect(flagsIn(archive)).toEqual(['RS', 'S']);
    const dates = curFiles(archive).map((f) => Math.round(fs.statSync(path.join(archive, 'cur', f)).mtimeMs / 1000));
    expect(dates.sort()).toEqual(OLD_MAIL.filter((m) => m.folder === 'Archive').map((m) => m.date).sort());
  });

  await test.step("the admin's list shows the copy done", async () => {
    await openAutoMigration(page);
    await expect(page.getByText('1 user: 1 done — 5 of 5 messages')).toBeVisible();
    const row = userRow(page, MOVER);
    await expect(row).toContainText('Done');
    await expect(row).toContainText('5 of 5 messages, 2 of 2 folders');
    await expect(row.getByRole('progressbar', { name: `Progress of ${MOVER}` })).toHaveAttribute('value', '100');
    // A finished copy has nothing to cancel, and nothing to retry.
    await expect(row.getByRole('button')).toHaveCount(0);
    await expectAccessible(page);
  });
});

test('copying again takes the old password again and brings only what is new', async ({ browser }) => {
  old!.append(MOVER, MOVER_PASSWORD, [ARRIVED_LATER]);
  const user = await usersBrowser(browser);
  await signIn(user, MOVER, MOVER_PASSWORD);
  await user.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mail migration' }).click();
  await expect(user.getByRole('heading', { name: 'Copy again' })).toBeVisible();
  await user.waitForSelector('body[data-hydrated]');

  await test.step('a wrong old password is refused', async () => {
    await user.getByLabel('Password on your old server').fill('not my old password');
    await user.getByRole('button', { name: 'Copy again' }).click();
    await expect(user.locator('#password-error')).toContainText('did not accept', { timeout: 15_000 });
  });

  await test.step('the right one copies the new message, and nothing twice', async () => {
    await user.getByLabel('Password on your old server').fill(MOVER_PASSWORD);
    await user.getByRole('button', { name: 'Copy again' }).click();
    await expect(user.getByRole('status').filter({ hasText: 'The copy starts again' })).toBeVisible();
    await expect.poll(() => curFiles(mailbox(MOVER)).length, { timeout: 30_000 }).toBe(4);
    await expect(user.locator('#copy-state')).toHaveText('Done', { timeout: 30_000 });
    await expect(user.getByRole('heading', { name: 'Copy again' })).toBeVisible();
    expect(flagsIn(mailbox(MOVER))).toEqual(['', '', 'FS', 'S']);
    expect(curFiles(path.join(mailbox(MOVER), '.Archive'))).toHaveLength(2);
  });
});

test('a common password is brought over, with advice to choose a new one', async ({ browser }) => {
  const user = await usersBrowser(browser);
  await open(user, '/sign-up');
  await fillSignUp(user, EASY, EASY_PASSWORD);
  await expect(user).toHaveURL(/\/account\/migration$/);
  const advice = user.getByRole('note').filter({ hasText: 'commonly used' });
  await expect(advice).toBeVisible();
  await expect(advice.getByRole('link', { name: 'Choose a new password' })).toHaveAttribute('href', '/account/password');
  // An empty old mailbox: nothing to copy, and done.
  await expect(user.locator('#copy-state')).toHaveText('Done', { timeout: 30_000 });
  await expect(user.getByRole('progressbar', { name: 'Copy progress' })).toHaveAttribute('value', '100');
});

test('once the old server is removed, nobody else signs up', async ({ page, browser }) => {
  await signIn(page, MASTER, GOOD_PASSWORD);
  await openAutoMigration(page);
  await expect(page.getByText('2 users: 2 done')).toBeVisible();

  await test.step('removing asks first; the copies stay listed', async () => {
    await page.getByRole('button', { name: 'Remove the old server' }).click();
    await expect(page.getByText('Stop sign-ups for this domain? Copies under way go on.')).toBeVisible();
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByRole('button', { name: 'Remove the old server' }).click();
    await page.getByRole('button', { name: 'Remove old server' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The old server was removed: sign-ups are closed.' })).toBeVisible();
    await expect(page.getByText('No old server is set, so sign-up is closed.')).toBeVisible();
    await expect(page.getByLabel('Server', { exact: true })).toHaveValue('');
    await expect(userRow(page, MOVER)).toContainText('Done');
    await expect(userRow(page, EASY)).toContainText('Done');
  });

  await test.step('a user with the right old password is refused like any other', async () => {
    const user = await usersBrowser(browser);
    await open(user, '/sign-up');
    await fillSignUp(user, LATE, LATE_PASSWORD);
    await expect(user.locator('#password-error')).toContainText('did not accept');
    await expect(user).toHaveURL(/\/sign-up$/);
  });

  await allowLocal(page, false);
});
