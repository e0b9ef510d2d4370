// Quarantine digests: the message listing a person's newly kept mail, with a link per
// message that releases or deletes it once, without signing in (the page asks first, so a
// scanner following links changes nothing); each person's choice on My account; the
// domain's daily, weekly or no digest on Filter settings (a domain admin's digest lists the
// whole domain). Digests are sent with `mailportal quarantine digests --now` and read from
// the outbox.
import { expect, Page, test } from '@playwright/test';
import { sendMail, SPAM } from './mail';
import { expectAccessible, open, outboxTo, portalCli, signIn, USERS } from './helpers';

/** The master admin that first-start.setup.ts created. */
const MASTER = 'admin@example.test';
const WANTED = 'Send me quarantine digests';

/** A word for this run's subjects. */
const tag = (name: string) => `${name}${Date.now().toString(36)}`;

function sendSpam(to: string[], subject: string) {
  expect(sendMail(to, subject, SPAM, { from: 'prizes@spam.example' })).toBe('kept');
}

/** Sends the digest of everyone with newly kept mail (the server sends them when due). */
async function sendDigests() {
  // Mail kept in this very second waits for the next digest: let the second pass.
  await new Promise((done) => setTimeout(done, 1100));
  const said = portalCli(['quarantine', 'digests', '--now']);
  expect(said).toMatch(/^Sent \d+ quarantine digests listing \d+ messages\./);
}

/** The digests addressed to `to` (its To header, not a listed recipient), oldest first,
 * quoted-printable soft breaks undone. */
function digestsTo(to: string): string[] {
  return outboxTo(to).filter((m) => /^Subject: Quarantine digest/m.test(m));
}

function newestDigestTo(to: string): string {
  const all = digestsTo(to);
  expect(all.length, `a digest to ${to}`).toBeGreaterThan(0);
  return all[all.length - 1];
}

/** The release and delete links listed under `subject` in a digest. */
function linksFor(digest: string, subject: string): { release: string; remove: string } {
  const lines = digest.split(/\r?\n/);
  const at = lines.findIndex((l) => /^\d+\. /.test(l) && l.includes(subject));
  expect(at, digest).toBeGreaterThan(-1);
  const block = lines.slice(at + 1, at + 7).map((l) => l.trim());
  const url = (label: string) => {
    const line = block.find((l) => l.startsWith(label));
    expect(line, digest).toBeTruthy();
    return line!.slice(label.length).trim();
  };
  return { release: url('Release:'), remove: url('Delete:') };
}

const said = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });
const fact = (page: Page, term: string) =>
  page.locator('dl.facts dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');

async function openFilterSettings(page: Page) {
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: 'Filter settings of example.test', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Filter settings of example.test', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

test('a mail user releases and deletes kept mail from their digest, each link once, without signing in', async ({ page }) => {
  const t = tag('digest');
  const prize = `Digest prize ${t}`;
  const lottery = `Digest lottery ${t}`;
  sendSpam([USERS.quinn], prize);
  sendSpam([USERS.quinn], lottery);
  await sendDigests();
  const digest = newestDigestTo(USERS.quinn);
  expect(digest).toMatch(/^Subject: Quarantine digest: \d+ new messages? for you/m);
  expect(digest).toContain(prize);
  expect(digest).toContain(lottery);
  const prizeLinks = linksFor(digest, prize);
  const lotteryLinks = linksFor(digest, lottery);

  await test.step('the link shows the message and asks first', async () => {
    await open(page, prizeLinks.release);
    await expect(page.getByRole('heading', { name: 'Quarantined message', level: 1 })).toBeVisible();
    await expect(fact(page, 'Subject')).toHaveText(prize);
    await expect(fact(page, 'To')).toHaveText(USERS.quinn);
    await expect(page.getByText('Deliver this message to its recipients as it arrived?')).toBeVisible();
    await expectAccessible(page);
  });

  await test.step('released once; the same link then says it was used', async () => {
    await page.getByRole('button', { name: 'Release this message', exact: true }).click();
    await expect(said(page, `“${prize}” was released`)).toBeVisible();
    await page.reload();
    await expect(page.getByRole('alert')).toHaveText('This link was used already: each link in a digest works once.');
    await expect(page.getByRole('button', { name: 'Release this message' })).toHaveCount(0);
  });

  await test.step('the other message is deleted through its delete link', async () => {
    await open(page, lotteryLinks.remove);
    await expect(fact(page, 'Subject')).toHaveText(lottery);
    await page.getByRole('button', { name: 'Delete this message', exact: true }).click();
    await expect(said(page, `“${lottery}” was deleted.`)).toBeVisible();
    // Its release link finds it gone.
    await open(page, lotteryLinks.release);
    await expect(page.getByRole('alert')).toContainText('This message is no longer in quarantine');
  });

  await test.step('an altered link is refused', async () => {
    await open(page, prizeLinks.remove.replace(/.$/, (c) => (c === '0' ? '1' : '0')));
    await expect(page.getByRole('alert')).toContainText('This link is not valid');
  });

  await test.step('neither is in quinn’s quarantine any more', async () => {
    await signIn(page, USERS.quinn);
    await open(page, `/quarantine?search=${t}`);
    await expect(page.getByText('No kept message matches this search.', { exact: true })).toBeVisible();
  });
});

test('a mail user turns their digests off on My account, and on again', async ({ page }) => {
  const t = tag('optout');
  await signIn(page, USERS.dina);
  await open(page, '/account');
  const section = page.getByRole('region', { name: 'Quarantine digest' });
  await expect(section).toContainText('example.test: once a day');
  await expect(section.getByLabel(WANTED, { exact: true })).toBeChecked();
  await expectAccessible(page);

  await section.getByLabel(WANTED, { exact: true }).uncheck();
  await section.getByRole('button', { name: 'Save digest choice', exact: true }).click();
  await expect(section.getByRole('status')).toHaveText('Saved.');
  await page.reload();
  await page.waitForSelector('body[data-hydrated]');
  await expect(section.getByLabel(WANTED, { exact: true })).not.toBeChecked();

  const quiet = `Unwanted digest ${t}`;
  sendSpam([USERS.dina], quiet);
  await sendDigests();
  expect(digestsTo(USERS.dina).filter((d) => d.includes(quiet))).toEqual([]);

  await section.getByLabel(WANTED, { exact: true }).check();
  await section.getByRole('button', { name: 'Save digest choice', exact: true }).click();
  await expect(section.getByRole('status')).toHaveText('Saved.');
  await sendDigests();
  expect(newestDigestTo(USERS.dina)).toContain(quiet);
});

test('a domain admin chooses how often the domain sends digests, and gets the whole domain’s', async ({ page }) => {
  const t = tag('admin');
  await signIn(page, USERS.dora);
  await openFilterSettings(page);
  const group = page.getByRole('group', { name: 'Quarantine digest' });
  await expect(group.getByLabel('Once a day', { exact: true })).toBeChecked();
  await group.getByLabel('Once a week', { exact: true }).check();
  await page.getByRole('button', { name: 'Save filter settings', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The filter settings were saved.' })).toBeVisible();
  await page.reload();
  await page.waitForSelector('body[data-hydrated]');
  await expect(group.getByLabel('Once a week', { exact: true })).toBeChecked();
  await group.getByLabel('Once a day', { exact: true }).check();
  await page.getByRole('button', { name: 'Save filter settings', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The filter settings were saved.' })).toBeVisible();

  const quinns = `For the whole domain ${t}`;
  sendSpam([USERS.quinn], quinns);
  await sendDigests();
  const digest = newestDigestTo(USERS.dora);
  expect(digest).toMatch(/^Subject: Quarantine digest for example\.test: \d+ new messages?/m);
  expect(digest).toContain(quinns);
  expect(digest).toContain(`To: ${USERS.quinn}`);

  // Dora's link acts within her domain.
  await open(page, linksFor(digest, quinns).remove);
  await page.getByRole('button', { name: 'Delete this message', exact: true }).click();
  await expect(said(page, `“${quinns}” was deleted.`)).toBeVisible();
});

test('a master admin sees the digest choice of a domain and of their own account', async ({ page }) => {
  await signIn(page, MASTER);
  await open(page, '/account');
  await expect(
    page.getByRole('region', { name: 'Quarantine digest' }).getByLabel(WANTED, { exact: true }),
  ).toBeChecked();
  await openFilterSettings(page);
  const group = page.getByRole('group', { name: 'Quarantine digest' });
  await expect(group.getByRole('radio')).toHaveCount(3);
  await expect(group.getByLabel('Once a day', { exact: true })).toBeChecked();
  await expect(group.getByLabel('Never', { exact: true })).not.toBeChecked();
  await expectAccessible(page);
});
