// Teaching the spam filter: "Report as spam" and "Not spam" on a row of the mail log, and
// uploading saved messages (.eml, several at once, chosen or dropped) on Teach the spam
// filter. A mail user's report on their own mail also puts its sender on their own list,
// which then decides their mail before the domain's lists; only one's own mail (a domain
// admin: the domain's) can be reported. Checked for a mail user, a domain admin and a
// master admin.
import { Browser, expect, Page, test } from '@playwright/test';
import { sendMail, HAM } from './mail';
import { expectAccessible, GOOD_PASSWORD, signIn, USERS } from './helpers';

const MASTER = 'admin@example.test';
const LENA = USERS.lena;

/** A word for this run's senders and subjects. */
const tag = (name: string) => `${name}${Date.now().toString(36)}`;
const notice = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });
const report = (page: Page) => page.getByRole('group', { name: 'Teach the spam filter' });
const outcomes = (page: Page) => page.locator('ul.upload-outcomes li');

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, GOOD_PASSWORD);
  return page;
}

async function nav(page: Page, name: string, heading = name) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

const logRow = (page: Page, subject: string) =>
  page.getByRole('region', { name: 'Mail log, newest first' }).locator('tbody').getByRole('row')
    .filter({ has: page.locator('td[data-label="Subject"]', { hasText: new RegExp(`^${subject}$`) }) });

/** The mail log filtered to `text`, with the row of `subject` opened. */
async function openLogged(page: Page, text: string, subject: string) {
  await nav(page, 'Mail log');
  await page.getByLabel('Subject', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(logRow(page, subject)).toHaveCount(1);
  const summary = logRow(page, subject).locator('summary', { hasText: `Evidence for “${subject}”` });
  await summary.focus();
  await page.keyboard.press('Enter');
}

/** A saved message to `to`, as a mail app saves one. */
function eml(to: string, subject: string, body = 'Claim your reward today, click the link below.'): Buffer {
  return Buffer.from(
    `From: Rewards <rewards@prize.example>\r\nTo: ${to}\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@prize.example>\r\n\r\n${body}\r\n`,
  );
}

/** What the spam filter has learned, as the learning screen tells it. */
async function learnedCounts(page: Page): Promise<{ spam: number; ham: number }> {
  const said = (await page.locator('p.learned').textContent()) ?? '';
  const m = said.match(/learned (\d+) spam and (\d+) wanted messages/);
  expect(m, said).not.toBeNull();
  return { spam: Number(m![1]), ham: Number(m![2]) };
}

async function openLearning(page: Page) {
  await nav(page, 'Teach the spam filter');
  await expect(page.locator('p.learned')).toBeVisible();
}

test('a mail user reports their own mail from the log, and their list decides their mail', async ({ page }) => {
  const t = tag('report');
  const sender = `news.${t}@shop.example`;
  const [first, second] = [`Weekly offers ${t}`, `More offers ${t}`];
  expect(sendMail([LENA], first, HAM, { from: sender })).toBe('accepted');
  await signIn(page, LENA, GOOD_PASSWORD);
  await openLogged(page, t, first);

  await test.step('reported as spam: learned, and the sender is blocked for her', async () => {
    await expect(report(page).getByRole('button')).toHaveText(['Report as spam', 'Not spam']);
    await expectAccessible(page);
    await report(page).getByRole('button', { name: 'Report as spam', exact: true }).click();
    await expect(notice(page, `Learned 1 message as spam. ${sender} is on your blacklist now.`)).toBeVisible();
  });

  await test.step('the next message from the sender is refused by her own list', async () => {
    expect(sendMail([LENA], second, HAM, { from: sender })).toBe('kept');
    await openLogged(page, t, second);
    await expect(logRow(page, second).locator('td[data-label="Classification"]')).toHaveText('Blacklisted');
    await expect(logRow(page, second).locator('p.verdict-words'))
      .toHaveText(`Refused: ${sender} is on ${LENA}'s own blacklist (${sender}).`);
    // Refused before it was read: nothing to learn from, so no report buttons.
    await expect(report(page)).toHaveCount(0);
  });

  await test.step('"Not spam" by keyboard moves it, and allows the sender again', async () => {
    await openLogged(page, t, first);
    const notSpam = report(page).getByRole('button', { name: 'Not spam', exact: true });
    await notSpam.focus();
    await page.keyboard.press('Enter');
    await expect(notice(page,
      `Learned 1 message as not spam (1 had been learned as the opposite). ${sender} is on your whitelist now (it was on the blacklist).`,
    )).toBeVisible();
    await nav(page, 'My sender lists');
    const entry = page.getByRole('region', { name: 'Senders you allowed or blocked' }).getByRole('row').filter({ hasText: sender });
    await expect(entry.locator('td[data-label="List"]')).toHaveText('Allowed');
  });
});

test('a mail user uploads saved messages, chosen and dropped, and only their own are learned', async ({ page }) => {
  const t = tag('upload');
  await signIn(page, LENA, GOOD_PASSWORD);
  await openLearning(page);
  const before = await learnedCounts(page);
  await expect(page.getByText('You may report 100 messages an hour;', { exact: false })).toBeVisible();
  await expectAccessible(page);

  await test.step('nothing chosen: it says what to do', async () => {
    await page.getByRole('button', { name: 'Teach the filter', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Choose or drop one or more .eml files first.' })).toBeVisible();
  });

  await test.step('two files chosen as spam: hers is learned, another’s is refused', async () => {
    await expect(page.getByLabel('Spam', { exact: true })).toBeChecked();
    await page.getByLabel('Message files (.eml)', { exact: true }).setInputFiles([
      { name: 'mine.eml', mimeType: 'message/rfc822', buffer: eml(LENA, `Reward ${t}`) },
      { name: 'alices.eml', mimeType: 'message/rfc822', buffer: eml(USERS.alice, `Reward for Alice ${t}`) },
    ]);
    await expect(page.getByText('2 files chosen: mine.eml, alices.eml', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Teach the filter', exact: true }).click();
    await expect(notice(page, 'Done: 2 of 2 files sent.')).toBeVisible();
    await expect(outcomes(page)).toHaveText([
      'mine.eml: Learned 1 message as spam.',
      'alices.eml: “alices.eml” was not addressed to you: only your own mail can be reported.',
    ]);
    await expect(page.getByRole('heading', { name: '1 learned', level: 3 })).toBeVisible();
    await expect(page.locator('p.learned')).toContainText(`learned ${before.spam + 1} spam`);
    await expectAccessible(page);
  });

  await test.step('a file dropped on the zone, as not spam chosen by keyboard', async () => {
    await page.getByLabel('Spam', { exact: true }).focus();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByLabel('Not spam (wanted mail)', { exact: true })).toBeChecked();
    const dropped = await page.evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'dropped.eml', { type: 'message/rfc822' }));
      return transfer;
    }, eml(LENA, `Minutes ${t}`, 'The minutes of Monday are attached, see you then.').toString());
    await page.locator('.drop-zone').dispatchEvent('dragover', { dataTransfer: dropped });
    await page.locator('.drop-zone').dispatchEvent('drop', { dataTransfer: dropped });
    await expect(page.getByText('1 file chosen: dropped.eml', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Teach the filter', exact: true }).click();
    await expect(notice(page, 'Done: 1 of 1 files sent.')).toBeVisible();
    await expect(outcomes(page)).toHaveText(['dropped.eml: Learned 1 message as not spam.']);
    await expect(page.locator('p.learned')).toContainText(`and ${before.ham + 1} wanted messages`);
  });
});

test('a domain admin reports the domain’s mail from the log and by upload', async ({ browser }) => {
  const t = tag('domreport');
  const subject = `Quarterly figures ${t}`;
  expect(sendMail([USERS.alice], subject, HAM, { from: `figures.${t}@partner.example` })).toBe('accepted');
  const dora = await signedIn(browser, USERS.dora);

  await test.step('"Not spam" on Alice’s message: learned, and no one’s list changes', async () => {
    await openLogged(dora, t, subject);
    await report(dora).getByRole('button', { name: 'Not spam', exact: true }).click();
    await expect(notice(dora, 'Learned 1 message as not spam.')).toBeVisible();
    await expect(notice(dora, 'whitelist')).toHaveCount(0);
  });

  await test.step('a saved message to a mailbox of the domain is learned', async () => {
    await openLearning(dora);
    await expect(dora.getByText('You may report 2000 messages an hour;', { exact: false })).toBeVisible();
    await dora.getByLabel('Message files (.eml)', { exact: true })
      .setInputFiles({ name: 'alice.eml', mimeType: 'message/rfc822', buffer: eml(USERS.alice, `Dora's upload ${t}`) });
    await dora.getByRole('button', { name: 'Teach the filter', exact: true }).click();
    await expect(outcomes(dora)).toHaveText(['alice.eml: Learned 1 message as spam.']);
    await expectAccessible(dora);
  });
});

test('a master admin uploads messages of any domain here, but not files that are no mail', async ({ page }) => {
  const t = tag('masterupload');
  await signIn(page, MASTER, GOOD_PASSWORD);
  await openLearning(page);
  await page.getByLabel('Message files (.eml)', { exact: true }).setInputFiles([
    { name: 'quinn.eml', mimeType: 'message/rfc822', buffer: eml(USERS.quinn, `Master's upload ${t}`) },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('shopping list: milk, bread\n') },
  ]);
  await page.getByRole('button', { name: 'Teach the filter', exact: true }).click();
  await expect(notice(page, 'Done: 2 of 2 files sent.')).toBeVisible();
  await expect(outcomes(page)).toHaveText([
    'quinn.eml: Learned 1 message as spam.',
    /^notes\.txt: “notes\.txt” is not an email message/,
  ]);
  await expectAccessible(page);
});
