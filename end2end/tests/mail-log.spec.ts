// The Mail log screen: every message the SMTP listener took or refused (here: ham, GTUBE
// spam and an unknown recipient sent over SMTP), with what each stage found. Each reader
// sees only what is theirs (a mail user the mail to their own address, a domain admin their
// domains' mail, refused recipients included, a master admin all of it); the filters live
// in the address and work by keyboard.
import { Browser, expect, Page, test } from '@playwright/test';
import { HAM, SENDER, sendMail, SPAM } from './mail';
import { expectAccessible, GOOD_PASSWORD, open, portalCli, signIn, USERS } from './helpers';

/** The master admin that first-start.setup.ts created (max gets two-factor authentication
 * in two-factor-admin.spec.ts). */
const MASTER = 'admin@example.test';
/** The mail user whose own view is checked (quarantine.spec.ts uses quinn too, but no spec
 * changes quinn's password). */
const READER = USERS.quinn;

/** Plain ham: delivered at once. */
function sendHam(to: string[], subject: string) {
  expect(sendMail(to, subject, HAM)).toBe('accepted');
}

/** GTUBE spam: kept in quarantine, the client told 550. */
function sendSpam(to: string[], subject: string) {
  expect(sendMail(to, subject, SPAM)).toBe('kept');
}

/** To addresses that do not exist: refused at RCPT. */
function sendRefused(to: string[], subject: string) {
  expect(sendMail(to, subject, 'Hello?\n')).toBe('refused');
}

/** A word for this run's subjects, so that the tests' rows are told apart by a filter. */
const tag = (name: string) => `${name}${Date.now().toString(36)}`;

const table = (page: Page) => page.getByRole('region', { name: 'Mail log, newest first' });
const rows = (page: Page) => table(page).locator('tbody').getByRole('row');
const row = (page: Page, subject: string) =>
  rows(page).filter({ has: page.locator('td[data-label="Subject"]', { hasText: new RegExp(`^${subject}$`) }) });
const column = (page: Page, subject: string, name: string) => row(page, subject).locator(`td[data-label="${name}"]`);
const evidence = (page: Page, subject: string) =>
  row(page, subject).locator('summary', { hasText: `Evidence for “${subject}”` });

async function openMailLog(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mail log', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Mail log', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

/** Filters by subject with the form (mouse and typing). */
async function filterBySubject(page: Page, text: string) {
  await page.getByLabel('Subject', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`subject=${text}`));
}

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, GOOD_PASSWORD);
  return page;
}

test('a mail user sees only the mail addressed to them', async ({ page }) => {
  const t = tag('own');
  const shared = `Minutes for Quinn and Alice ${t}`;
  const alices = `Prize for Alice ${t}`;
  sendHam([READER, USERS.alice], shared);
  sendSpam([USERS.alice], alices);

  await signIn(page, READER);
  await openMailLog(page);
  await expect(page.getByText('Every message the mail server took or refused')).toBeVisible();
  await filterBySubject(page, t);

  await test.step('one row: the shared message, addressed to them only', async () => {
    await expect(table(page).getByRole('columnheader'))
      .toHaveText(['When', 'From', 'To', 'Subject', 'Client', 'Classification', 'Evidence']);
    await expect(rows(page)).toHaveCount(1);
    await expect(column(page, shared, 'To')).toHaveText(READER);
    await expect(column(page, shared, 'From')).toContainText(SENDER);
    await expect(column(page, shared, 'Classification')).toHaveText('Delivered');
    await expect(column(page, shared, 'Client')).toContainText('127.0.0.1');
    await expect(row(page, alices)).toHaveCount(0);
    await expect(page.getByText(alices)).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Clear filters', exact: true })).toBeVisible();
  });

  await test.step('its evidence names the stages and the 250 reply', async () => {
    await expect(evidence(page, shared)).toHaveAccessibleName(`Evidence for “${shared}”`);
    await evidence(page, shared).focus();
    await page.keyboard.press('Enter');
    const lines = row(page, shared).locator('ul.evidence');
    await expect(lines).toBeVisible();
    await expect(lines).toContainText('delivery: ');
    await expect(lines).toContainText(`envelope sender: ${SENDER}`);
    await expect(lines).toContainText('size: ');
    await expect(lines).toContainText('reply: 250');
    await expectAccessible(page);
  });

  await test.step('the Delivered filter keeps it; Quarantined finds nothing of theirs', async () => {
    await page.getByLabel('Classification', { exact: true }).selectOption({ label: 'Quarantined' });
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect(page).toHaveURL(/verdict=quarantined/);
    await expect(page.getByText('No message matches these filters.', { exact: true })).toBeVisible();
    await expect(table(page)).toHaveCount(0);
  });
});

test('a domain admin filters the log by keyboard and reads a row’s evidence', async ({ page }) => {
  const t = tag('keys');
  const ham = `Agenda for Alice ${t}`;
  const spam = `Prize for Alice ${t}`;
  sendHam([USERS.alice], ham);
  sendSpam([USERS.alice], spam);

  await signIn(page, USERS.dora);
  await openMailLog(page);

  const subjectField = page.getByLabel('Subject', { exact: true });
  const classification = page.getByLabel('Classification', { exact: true });
  await test.step('Subject and Classification filled by keyboard, sent with Enter', async () => {
    await page.getByLabel('Client IP', { exact: true }).focus();
    await page.keyboard.press('Tab');
    await expect(subjectField).toBeFocused();
    await page.keyboard.type(t);
    await page.keyboard.press('Tab');
    await expect(classification).toBeFocused();
    await page.keyboard.type('Quar');
    await expect(classification).toHaveValue('quarantined');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Filter', exact: true })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(new RegExp(`subject=${t}`));
    await expect(page).toHaveURL(/verdict=quarantined/);
  });

  await test.step('exactly the quarantined row is listed; the fields keep the filters', async () => {
    await expect(rows(page)).toHaveCount(1);
    await expect(column(page, spam, 'Classification')).toHaveText('Quarantined');
    await expect(column(page, spam, 'To')).toHaveText(USERS.alice);
    await expect(row(page, ham)).toHaveCount(0);
    await expect(subjectField).toHaveValue(t);
    await expect(classification).toHaveValue('quarantined');
  });

  await test.step('the evidence opens by keyboard: the quarantine stage and the 550 reply', async () => {
    await expect(evidence(page, spam)).toHaveAccessibleName(`Evidence for “${spam}”`);
    const lines = row(page, spam).locator('ul.evidence');
    await expect(lines).toBeHidden();
    await evidence(page, spam).focus();
    await page.keyboard.press('Enter');
    await expect(lines).toBeVisible();
    await expect(lines.getByRole('listitem').filter({ hasText: /^quarantine: / })).toHaveCount(1);
    await expect(lines.getByRole('listitem').filter({ hasText: /^score: / })).toHaveCount(1);
    await expect(lines.getByRole('listitem').filter({ hasText: /^reply: 550/ })).toHaveCount(1);
    await expect(lines).toContainText(`envelope sender: ${SENDER}`);
    await expectAccessible(page);
  });

  await test.step('Clear filters goes back to the whole log with empty fields', async () => {
    await page.getByRole('link', { name: 'Clear filters', exact: true }).click();
    await expect(page).toHaveURL(/\/mail-log$/);
    await expect(subjectField).toHaveValue('');
    await expect(classification).toHaveValue('');
    await expect(page.getByLabel('From day', { exact: true })).toHaveValue('');
    await expect(page.getByRole('link', { name: 'Clear filters', exact: true })).toHaveCount(0);
    await expect(row(page, ham)).toBeVisible();
    await expect(row(page, spam)).toBeVisible();
  });

  await test.step('a reversed date range is explained in an alert', async () => {
    await page.getByLabel('From day', { exact: true }).fill('2030-01-02');
    await page.getByLabel('To day (included)', { exact: true }).fill('2030-01-01');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect(page).toHaveURL(/since=2030-01-02/);
    await expect(page.getByRole('alert').filter({ hasText: 'The last day is before the first day.' })).toBeVisible();
    await expect(table(page)).toHaveCount(0);
    await expectAccessible(page);
  });
});

test('a master admin sees every domain’s mail; a domain admin only their own', async ({ browser }) => {
  const t = tag('other');
  const domain = `logs-${t}.test`;
  const olive = `olive@${domain}`;
  const subject = `Welcome Olive ${t}`;
  expect(portalCli(['domain', 'add', domain])).toContain(`Added the domain ${domain}.`);
  expect(portalCli(['user', 'add', olive, '--role', 'mailuser'], GOOD_PASSWORD + '\n')).toContain(`Added ${olive}`);
  sendHam([olive], subject);
  // Unknown in a domain of its own (example.test gets a catch-all in aliases.spec.ts).
  const nobody = `nobody-${t}@${domain}`;
  sendRefused([nobody], `Lost letter ${t}`);

  const master = await signedIn(browser, MASTER);
  const dora = await signedIn(browser, USERS.dora);

  await test.step('the master admin finds it', async () => {
    await openMailLog(master);
    await filterBySubject(master, t);
    await expect(rows(master)).toHaveCount(1);
    await expect(column(master, subject, 'To')).toHaveText(olive);
    await expect(column(master, subject, 'Classification')).toHaveText('Delivered');
    await expectAccessible(master);
  });

  await test.step('the recipient refused at RCPT shows, marked refused and Rejected', async () => {
    // Refused at RCPT, the client never sent the message: the row has no subject.
    await master.getByLabel('Subject', { exact: true }).fill('');
    await master.getByLabel('Recipient', { exact: true }).fill(`nobody-${t}`);
    await master.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect(master).toHaveURL(new RegExp(`recipient=nobody-${t}`));
    await expect(rows(master)).toHaveCount(1);
    const lost = rows(master).first();
    await expect(lost.locator('td[data-label="To"]')).toHaveText(`${nobody} (refused)`);
    await expect(lost.locator('td[data-label="Classification"]')).toHaveText('Rejected');
    await expect(lost.locator('td[data-label="Subject"]')).toHaveText('');
    const summary = lost.locator('summary');
    await expect(summary).toHaveAccessibleName('Evidence for “(no subject)”');
    await summary.focus();
    await master.keyboard.press('Enter');
    await expect(lost.locator('ul.evidence')).toContainText(nobody);
    await expect(lost.locator('ul.evidence')).toContainText('reply: 550');
  });

  await test.step('the domain admin of example.test does not', async () => {
    await openMailLog(dora);
    await filterBySubject(dora, t);
    await expect(dora.getByText('No message matches these filters.', { exact: true })).toBeVisible();
    await expect(dora.getByText(subject)).toHaveCount(0);
    // Nor by the address itself, opened directly.
    await open(dora, `/mail-log?recipient=${encodeURIComponent(olive)}`);
    await expect(dora.getByText('No message matches these filters.', { exact: true })).toBeVisible();
  });
  await master.context().close();
  await dora.context().close();
});

test('the first page shows new mail as it arrives, until the live view is switched off', async ({ page }) => {
  test.setTimeout(60_000); // each message takes a few seconds over SMTP
  const t = tag('live');
  const first = `Live note one ${t}`;
  const second = `Live note two ${t}`;
  const live = page.getByLabel('Show new mail as it arrives', { exact: true });
  const status = (text: string) => page.getByRole('status').filter({ hasText: text });
  const opened = () => page.waitForResponse((r) => new URL(r.url()).pathname === '/events/mail-log', { timeout: 20_000 });

  await signIn(page, READER);
  await test.step('on by default: the log watches for new mail', async () => {
    const events = opened();
    await openMailLog(page);
    expect((await events).status()).toBe(200);
    await expect(live).toBeChecked();
    await expect(status('Watching for new mail.')).toBeVisible();
    await expect(row(page, first)).toHaveCount(0);
    await expectAccessible(page);
  });

  // Set on the page as it is: gone if the page were loaded again.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const stayed = () => page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);

  await test.step('a new message for the reader appears by itself, and is counted', async () => {
    sendHam([READER], first);
    await expect(row(page, first)).toBeVisible({ timeout: 15_000 });
    await expect(column(page, first, 'To')).toHaveText(READER);
    await expect(column(page, first, 'Classification')).toHaveText('Delivered');
    await expect(status('1 new message since you opened the log.')).toBeVisible();
    expect(await stayed()).toBe(true);
    await expect(page).toHaveURL(/\/mail-log$/);
  });

  await test.step('switched off: a message sent then is not shown until a reload', async () => {
    await live.uncheck();
    await expect(live).not.toBeChecked();
    await expect(status('New mail is not shown until you reload.')).toBeVisible();
    sendHam([READER], second);
    await page.waitForTimeout(3_000);
    await expect(row(page, second)).toHaveCount(0);
    await expect(row(page, first)).toBeVisible();
    await expect(status('New mail is not shown until you reload.')).toBeVisible();
    expect(await stayed()).toBe(true);
    await page.reload();
    await page.waitForSelector('body[data-hydrated]');
    await expect(row(page, second)).toBeVisible();
    await expect(row(page, first)).toBeVisible();
    await expect(live).toBeChecked();
  });
});
