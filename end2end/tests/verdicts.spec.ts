// Verdicts people can read: the quarantine and the mail log tell each verdict in plain words
// next to the raw evidence, with one-click fixes scoped to the reader — a mail user allows or
// blocks a sender for themselves (and sees and removes those on My sender lists), a domain
// admin and a master admin for the message's domain. Allowing a sender that failed SPF (here:
// against a real dnsmasq on the port serve.sh gives the portal as resolver) asks first.
import { Browser, expect, Page, test } from '@playwright/test';
import { ChildProcess } from 'node:child_process';
import { startDns } from './dns';
import { sendMail, SPAM } from './mail';
import { expectAccessible, GOOD_PASSWORD, open, signIn, USERS } from './helpers';

const MASTER = 'admin@example.test';
const GTUBE_WORDS = 'Scored 1000.0: the text carries the antispam test string (GTUBE).';

/** A word for this run's senders and subjects. */
const tag = (name: string) => `${name}${Date.now().toString(36)}`;

const notice = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });
const fixes = (page: Page, sender: string) => page.getByRole('group', { name: `Allow or block ${sender}` });

/** GTUBE spam from `from`: kept in quarantine (or refused by a blacklist), told 550. */
function sendSpam(from: string, to: string[], subject: string) {
  expect(sendMail(to, subject, SPAM, { from })).toBe('kept');
}

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, GOOD_PASSWORD);
  return page;
}

async function nav(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

const quarantineRow = (page: Page, subject: string) =>
  page.getByRole('region', { name: 'Quarantined mail, newest first' }).getByRole('row')
    .filter({ has: page.getByRole('link', { name: subject, exact: true }) });

async function openKept(page: Page, subject: string) {
  await nav(page, 'Quarantine');
  await page.getByLabel('Search quarantined mail', { exact: true }).fill(subject);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await quarantineRow(page, subject).getByRole('link', { name: subject, exact: true }).click();
  await expect(page.getByRole('heading', { name: subject, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

const logRow = (page: Page, subject: string) =>
  page.getByRole('region', { name: 'Mail log, newest first' }).locator('tbody').getByRole('row')
    .filter({ has: page.locator('td[data-label="Subject"]', { hasText: new RegExp(`^${subject}$`) }) });

/** The mail log filtered to `subject`, with that row's evidence opened. */
async function openLogged(page: Page, subject: string) {
  await nav(page, 'Mail log');
  await page.getByLabel('Subject', { exact: true }).fill(subject);
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(logRow(page, subject)).toHaveCount(1);
  const summary = logRow(page, subject).locator('summary', { hasText: `Evidence for “${subject}”` });
  await summary.focus();
  await page.keyboard.press('Enter');
}

test('a mail user reads the verdict and allows or blocks a sender for themselves', async ({ page }) => {
  const t = tag('mine');
  const sender = `prizes.${t}@spam.example`;
  const first = `First prize ${t}`;
  const second = `Second prize ${t}`;
  sendSpam(sender, [USERS.quinn], first);
  await signIn(page, USERS.quinn, GOOD_PASSWORD);

  await test.step('the quarantine says why in words; the fixes are for the reader only', async () => {
    await nav(page, 'Quarantine');
    await expect(quarantineRow(page, first).locator('td[data-label="Why kept"]')).toHaveText(GTUBE_WORDS);
    await openKept(page, first);
    const buttons = fixes(page, sender).getByRole('button');
    await expect(buttons).toHaveText(['Allow this sender for me', 'Block this sender for me']);
    await expectAccessible(page);
  });

  await test.step('blocked for me: the next message from it is refused by the reader’s own list', async () => {
    await fixes(page, sender).getByRole('button', { name: 'Block this sender for me', exact: true }).click();
    await expect(notice(page, `${sender} is on your blacklist now.`)).toBeVisible();
    sendSpam(sender, [USERS.quinn], second);
    await openLogged(page, second);
    await expect(logRow(page, second).locator('td[data-label="Classification"]')).toHaveText('Blacklisted');
    await expect(logRow(page, second).locator('p.verdict-words'))
      .toHaveText(`Refused: ${sender} is on ${USERS.quinn}'s own blacklist (${sender}).`);
    await expect(logRow(page, second).locator('ul.evidence')).toContainText(`${USERS.quinn}'s own blacklist`);
    await expectAccessible(page);
  });

  await test.step('allowed from the log instead, by keyboard', async () => {
    const allow = fixes(page, sender).getByRole('button', { name: 'Allow this sender for me', exact: true });
    await allow.focus();
    await page.keyboard.press('Enter');
    await expect(notice(page, `${sender} is on your whitelist now (it was on the blacklist).`)).toBeVisible();
  });

  await test.step('My sender lists shows it and removes it after asking', async () => {
    await nav(page, 'My sender lists');
    const entries = page.getByRole('region', { name: 'Senders you allowed or blocked' });
    const entry = entries.getByRole('row').filter({ hasText: sender });
    await expect(entry.locator('td[data-label="List"]')).toHaveText('Allowed');
    await expectAccessible(page);
    await entry.getByRole('button', { name: `Remove… ${sender}`, exact: true }).click();
    await expect(page.getByText(`Remove ${sender} from your whitelist?`)).toBeVisible();
    await entry.getByRole('button', { name: `Remove ${sender}`, exact: true }).click();
    await expect(notice(page, `${sender} was removed: your domain's lists decide its mail again.`)).toBeVisible();
    await expect(entry).toHaveCount(0);
  });

  await test.step('another’s message offers no fix, and the server refuses one', async () => {
    const answer = await page.request.post('/api/sender-fix', {
      form: { source: 'quarantine', id: '1', list: 'whitelist', scope: 'domain' },
      headers: { Origin: 'http://localhost:3100' },
    });
    expect(answer.status()).toBe(403);
  });
});

test('a domain admin allows a sender that failed SPF only after a warning', async ({ browser }) => {
  test.setTimeout(60_000);
  const t = tag('spf');
  const sender = `offers.${t}@fail.example`;
  const subject = `Forged offer ${t}`;
  let dns: ChildProcess | undefined;
  const dora = await signedIn(browser, USERS.dora);
  try {
    dns = await startDns('fail.example', 'v=spf1 ip4:192.0.2.0/24 -all');
    sendSpam(sender, [USERS.alice], subject);
  } finally {
    dns?.kill();
  }

  await test.step('the words name the SPF failure; the fixes are the domain’s', async () => {
    await openKept(dora, subject);
    await expect(dora.locator('dl.facts')).toContainText(
      'Scored 1006.0: the text carries the antispam test string (GTUBE), and the sender\'s server is not allowed by its SPF record.');
    await expect(fixes(dora, sender).getByRole('button'))
      .toHaveText(['Allow this sender for the domain…', 'Block this sender for the domain']);
  });

  await test.step('allowing asks first; Cancel changes nothing', async () => {
    await fixes(dora, sender).getByRole('button', { name: 'Allow this sender for the domain…' }).click();
    await expect(fixes(dora, sender)).toContainText('This message failed SPF');
    await expectAccessible(dora);
    await fixes(dora, sender).getByRole('button', { name: 'Cancel', exact: true }).click();
    await fixes(dora, sender).getByRole('button', { name: 'Allow this sender for the domain…' }).click();
    await fixes(dora, sender).getByRole('button', { name: 'Allow it anyway', exact: true }).click();
    await expect(notice(dora, `${sender} is on example.test's whitelist now.`)).toBeVisible();
  });

  await test.step('the domain’s sender list has it, noted as from the quarantine', async () => {
    await open(dora, '/admin/domains');
    await dora.getByRole('link', { name: 'Sender lists of example.test', exact: true }).click();
    await expect(dora.getByRole('heading', { name: 'Sender lists of example.test', level: 1 })).toBeVisible();
    const entry = dora.getByRole('row').filter({ hasText: sender });
    await expect(entry).toContainText('Whitelist');
    await expect(entry).toContainText('from the quarantine');
  });

  await test.step('blocked for the domain from the log', async () => {
    await openLogged(dora, subject);
    await expect(logRow(dora, subject).locator('p.verdict-words')).toContainText('not allowed by its SPF record');
    await fixes(dora, sender).getByRole('button', { name: 'Block this sender for the domain', exact: true }).click();
    await expect(notice(dora, `${sender} is on example.test's blacklist now (it was on the whitelist).`)).toBeVisible();
  });
  await dora.context().close();
});

test('a master admin blocks a sender for the message’s domain from the log', async ({ page }) => {
  const t = tag('master');
  const sender = `bulk.${t}@spam.example`;
  const subject = `Bulk mail ${t}`;
  sendSpam(sender, [USERS.alice], subject);
  await signIn(page, MASTER, GOOD_PASSWORD);
  await openLogged(page, subject);
  await expect(logRow(page, subject).locator('p.verdict-words')).toHaveText(GTUBE_WORDS);
  // Not a recipient: no list of their own for it.
  await expect(fixes(page, sender).getByRole('button'))
    .toHaveText(['Allow this sender for the domain', 'Block this sender for the domain']);
  await fixes(page, sender).getByRole('button', { name: 'Block this sender for the domain', exact: true }).click();
  await expect(notice(page, `${sender} is on example.test's blacklist now.`)).toBeVisible();
  await expectAccessible(page);
});
