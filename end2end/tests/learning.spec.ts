// Spam and not-spam learning from the quarantine: deleting a kept message can report it as
// spam, releasing it can learn it as not spam (both ticked by default, both can be unticked),
// one at a time from the message page or ticked together; the quarantine says how much the
// spam filter has learned. Checked for a mail user, a domain admin and a master admin.
import { Browser, expect, Page, test } from '@playwright/test';
import { sendMail, SPAM } from './mail';
import { GOOD_PASSWORD, expectAccessible, signIn, USERS } from './helpers';

const MASTER = 'admin@example.test';

const tag = (name: string) => `${name}${Date.now().toString(36)}`;
const notice = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });
const table = (page: Page) => page.getByRole('region', { name: 'Quarantined mail, newest first' });
const link = (page: Page, subject: string) => table(page).getByRole('link', { name: subject, exact: true });
const bulk = (page: Page) => page.getByRole('group', { name: 'Act on the ticked messages' });

function sendSpam(to: string[], subject: string) {
  expect(sendMail(to, subject, SPAM, { from: 'learn@spam.example' })).toBe('kept');
}

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, GOOD_PASSWORD);
  return page;
}

/** The quarantine searched for `text`, and the spam filter's learned counts it tells. */
async function quarantine(page: Page, text: string): Promise<{ spam: number; ham: number }> {
  await page.goto(`/quarantine?search=${text}`);
  await expect(page.getByRole('heading', { name: 'Quarantine', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  const said = (await page.locator('p.learned').textContent()) ?? '';
  const m = said.match(/learned (\d+) spam and (\d+) wanted messages/);
  expect(m, said).not.toBeNull();
  return { spam: Number(m![1]), ham: Number(m![2]) };
}

test('a mail user reports spam and releases wanted mail from the message page', async ({ page }) => {
  const t = tag('learnme');
  const [junk, wanted] = [`Junk ${t}`, `Wanted ${t}`];
  sendSpam([USERS.quinn], junk);
  sendSpam([USERS.quinn], wanted);
  await signIn(page, USERS.quinn, GOOD_PASSWORD);
  const before = await quarantine(page, t);
  await expectAccessible(page);

  await test.step('deleted and reported as spam', async () => {
    await link(page, junk).click();
    await expect(page.getByRole('heading', { name: junk, level: 1 })).toBeVisible();
    await page.waitForSelector('body[data-hydrated]');
    await page.getByRole('button', { name: 'Delete…', exact: true }).click();
    await expect(page.getByLabel('Report it as spam', { exact: true })).toBeChecked();
    await page.getByRole('button', { name: 'Delete message', exact: true }).click();
    await expect(notice(page, 'Deleted.')).toBeVisible();
    expect(await quarantine(page, t)).toEqual({ spam: before.spam + 1, ham: before.ham });
  });

  await test.step('released and learned as not spam', async () => {
    await link(page, wanted).click();
    await expect(page.getByRole('heading', { name: wanted, level: 1 })).toBeVisible();
    await page.waitForSelector('body[data-hydrated]');
    await expect(page.getByLabel('Learn it as not spam', { exact: true })).toBeChecked();
    await page.getByRole('button', { name: 'Release', exact: true }).click();
    await expect(notice(page, 'Released: the message was delivered to its recipients.')).toBeVisible();
    expect(await quarantine(page, t)).toEqual({ spam: before.spam + 1, ham: before.ham + 1 });
  });
});

test('a domain admin releases ticked mail without teaching, and deletes ticked mail as spam', async ({ browser }) => {
  const t = tag('learnbulk');
  const subjects = [1, 2, 3].map((n) => `Bulk learn ${n} ${t}`);
  for (const s of subjects) sendSpam([USERS.alice], s);
  const dora = await signedIn(browser, USERS.dora);
  const before = await quarantine(dora, t);

  await test.step('released with the choice unticked: nothing learned', async () => {
    await dora.getByLabel(`Tick “${subjects[0]}”`, { exact: true }).check();
    await bulk(dora).getByLabel('Learn them as not spam', { exact: true }).uncheck();
    await bulk(dora).getByRole('button', { name: 'Release ticked', exact: true }).click();
    await expect(notice(dora, '1 message released')).toBeVisible();
    expect(await quarantine(dora, t)).toEqual(before);
  });

  await test.step('the other two deleted as spam', async () => {
    await dora.getByLabel('Tick every message on this page', { exact: true }).check();
    await bulk(dora).getByRole('button', { name: 'Delete ticked…', exact: true }).click();
    await expect(bulk(dora).getByLabel('Report them as spam', { exact: true })).toBeChecked();
    await expectAccessible(dora);
    await bulk(dora).getByRole('button', { name: 'Delete ticked messages', exact: true }).click();
    await expect(notice(dora, '2 messages deleted.')).toBeVisible();
    expect(await quarantine(dora, t)).toEqual({ spam: before.spam + 2, ham: before.ham });
  });
  await dora.context().close();
});

test('a master admin deletes kept mail without reporting it', async ({ page }) => {
  const t = tag('learnmaster');
  const subject = `Master learn ${t}`;
  sendSpam([USERS.alice], subject);
  await signIn(page, MASTER, GOOD_PASSWORD);
  const before = await quarantine(page, t);
  await link(page, subject).click();
  await expect(page.getByRole('heading', { name: subject, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await page.getByRole('button', { name: 'Delete…', exact: true }).click();
  await page.getByLabel('Report it as spam', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Delete message', exact: true }).click();
  await expect(notice(page, 'Deleted.')).toBeVisible();
  expect(await quarantine(page, t)).toEqual(before);
});
