// The Statistics screen: what became of the mail a domain received, by hour, day, week or
// month, as charts and a table. A domain of its own (stats.test) gets exactly two hams, one
// GTUBE spam (quarantined) and one unknown recipient (refused at RCPT), so that its figures
// are known; other specs send mail to example.test at any time, so the master admin's total
// is only compared. Its admin sees only their domain; a mail user is refused the screen.
import { Browser, expect, Page, test } from '@playwright/test';
import { HAM, sendMail, sendMailAsync, SPAM } from './mail';
import { expectAccessible, GOOD_PASSWORD, open, portalCli, signIn, USERS } from './helpers';

/** The master admin that first-start.setup.ts created. */
const MASTER = 'admin@example.test';
const STATS = 'stats.test';
/** Made admin of stats.test (its only domain). */
const STELLA = `stella@${STATS}`;
const SVEN = `sven@${STATS}`;
/** A domain that gets no mail. */
const QUIET = 'stats-quiet.test';

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const choice = (page: Page) => page.getByRole('search', { name: 'Choose the statistics' });
const domainSelect = (page: Page) => choice(page).getByLabel('Domain', { exact: true });
const periodSelect = (page: Page) => choice(page).getByLabel('Period', { exact: true });
const summary = (page: Page) => page.locator('p.summary[role="status"]');
const table = (page: Page) => page.getByRole('region', { name: 'Figures per period, newest first' });
const rows = (page: Page) => table(page).locator('tbody').getByRole('row');
/** The table's rows that hold mail (every period of the span has a row, empty ones too). */
const rowsWithMail = (page: Page) =>
  rows(page).filter({ hasNot: page.locator('td[data-label="Messages"]', { hasText: /^0$/ }) });
const chart = (page: Page, caption: string) =>
  page.locator('figure').filter({ has: page.locator('figcaption', { hasText: new RegExp(`^${caption}$`) }) });

const PERIODS = [
  { value: 'hours', label: 'Last 24 hours', rows: 24 },
  { value: 'days', label: 'Last 30 days', rows: 30 },
  { value: 'weeks', label: 'Last 12 weeks', rows: 12 },
  { value: 'months', label: 'Last 12 months', rows: 12 },
];

/** The address holds the choice (Leptos's form adds the nameless Show button as `&=`). */
async function expectChoiceInAddress(page: Page, domain: string, period: string) {
  await expect
    .poll(() => {
      const url = new URL(page.url());
      return [url.pathname, url.searchParams.get('domain'), url.searchParams.get('period')];
    })
    .toEqual(['/stats', domain, period]);
}

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, GOOD_PASSWORD);
  return page;
}

async function openStats(page: Page) {
  await nav(page).getByRole('link', { name: 'Statistics', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Statistics', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

/** The message count of the status line ("5 messages, 1.2 KB; spam share 40.0 %."). */
async function total(page: Page): Promise<number> {
  await expect(summary(page)).toHaveText(/^\d+ messages, .+; spam share .+\.$/);
  const text = (await summary(page).textContent()) ?? '';
  return Number(text.match(/^(\d+) messages/)?.[1]);
}

/** Chooses a domain and period with the mouse and presses Show. */
async function show(page: Page, domain: string, period: (typeof PERIODS)[number]) {
  await domainSelect(page).selectOption({ label: domain });
  await periodSelect(page).selectOption({ label: period.label });
  await choice(page).getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]period=${period.value}(&|$)`));
  await expect(page.getByRole('heading', { level: 2, name: `${period.label} for ${domain === 'All your domains' ? 'all your domains' : domain}` })).toBeVisible();
}

/** The figures of stats.test, whoever reads them, in the period shown. */
async function expectStatsTestFigures(page: Page, period: (typeof PERIODS)[number]) {
  await expect(summary(page)).toHaveText(/^4 messages, .+; spam share 50\.0 %\.$/);
  await expect(rows(page)).toHaveCount(period.rows);
  await expect(rowsWithMail(page)).toHaveCount(1);
  const cell = (name: string) => rowsWithMail(page).locator(`td[data-label="${name}"]`);
  await expect(cell('Messages')).toHaveText('4');
  await expect(cell('Clean')).toHaveText('2');
  await expect(cell('Spam blocked')).toHaveText('2');
  for (const other of ['Tagged as spam', 'Whitelisted', 'Blacklisted', 'Greylisted', 'Deferred']) {
    await expect(cell(other)).toHaveText('0');
  }
  await expect(cell('Spam share')).toHaveText('50.0 %');
}

test.describe.serial('the statistics', () => {
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(60_000);
    await test.step('stats.test with two mailboxes, one of them its admin', async () => {
      for (const domain of [STATS, QUIET]) {
        expect(portalCli(['domain', 'add', domain])).toContain(`Added the domain ${domain}.`);
      }
      for (const email of [STELLA, SVEN]) {
        expect(portalCli(['user', 'add', email, '--role', 'mailuser'], GOOD_PASSWORD + '\n')).toContain(`Added ${email}`);
      }
      const master = await signedIn(browser, MASTER);
      await open(master, '/admin/domains');
      await master.getByRole('link', { name: `Admins of ${STATS}`, exact: true }).click();
      await expect(master.getByRole('heading', { name: `Admins of ${STATS}` })).toBeVisible();
      await master.waitForSelector('body[data-hydrated]');
      await master.getByLabel("Account's email address", { exact: true }).fill(STELLA);
      await master.getByRole('button', { name: 'Make admin' }).click();
      await expect(master.getByRole('cell', { name: STELLA, exact: true })).toBeVisible();
      await master.context().close();
    });

    await test.step('two hams, one GTUBE and one unknown recipient, in one hour', async () => {
      // The four messages go into one hour's row: sent at once, not near the turn of an hour.
      const toNextHour = 3_600_000 - (Date.now() % 3_600_000);
      if (toNextHour < 18_000) await new Promise((r) => setTimeout(r, toNextHour + 1_000));
      const t = Date.now().toString(36);
      const started = Date.now();
      expect(
        await Promise.all([
          sendMailAsync([SVEN], `Minutes for Sven ${t}`, HAM),
          sendMailAsync([STELLA], `Minutes for Stella ${t}`, HAM),
          sendMailAsync([SVEN], `Prize for Sven ${t}`, SPAM),
          sendMailAsync([`nobody-${t}@${STATS}`], `Lost letter ${t}`, 'Hello?\n'),
        ]),
      ).toEqual(['accepted', 'accepted', 'kept', 'refused']);
      expect(Math.floor(Date.now() / 3_600_000), 'all four were sent in one hour').toBe(Math.floor(started / 3_600_000));
    });
  });

  test('a domain admin reads their domain’s figures in every period', async ({ page }) => {
    test.setTimeout(60_000);
    await signIn(page, STELLA);
    await openStats(page);

    let id = '';
    await test.step('the form offers only their domain; the default is the last 30 days of all', async () => {
      await expect(domainSelect(page).locator('option')).toHaveText(['All your domains', STATS]);
      await expect(domainSelect(page).locator('option', { hasText: 'example.test' })).toHaveCount(0);
      await expect(periodSelect(page).locator('option'))
        .toHaveText(['Last 24 hours', 'Last 30 days', 'Last 12 weeks', 'Last 12 months']);
      await expect(periodSelect(page)).toHaveValue('days');
      await expect(page.getByRole('heading', { level: 2, name: 'Last 30 days for all your domains' })).toBeVisible();
      await expect(summary(page)).toHaveText(/^4 messages, .+; spam share 50\.0 %\.$/);
      id = (await domainSelect(page).locator('option', { hasText: STATS }).getAttribute('value')) ?? '';
      expect(id).toMatch(/^\d+$/);
    });

    await test.step('stats.test and the last 24 hours chosen by keyboard, sent with Enter', async () => {
      await domainSelect(page).selectOption({ label: STATS });
      await domainSelect(page).focus();
      await page.keyboard.press('Tab');
      await expect(periodSelect(page)).toBeFocused();
      await page.keyboard.type('Last 2');
      await expect(periodSelect(page)).toHaveValue('hours');
      await page.keyboard.press('Tab');
      await expect(choice(page).getByRole('button', { name: 'Show', exact: true })).toBeFocused();
      await page.keyboard.press('Enter');
      await expectChoiceInAddress(page, id, 'hours');
      await expect(page.getByRole('heading', { level: 2, name: `Last 24 hours for ${STATS}` })).toBeVisible();
      await expect(domainSelect(page)).toHaveValue(id);
      await expect(periodSelect(page)).toHaveValue('hours');
    });

    await test.step('4 messages: 2 clean, 2 spam blocked; half of them spam', async () => {
      await expectStatsTestFigures(page, PERIODS[0]);
      await expect(table(page).getByRole('columnheader')).toHaveText([
        'Period', 'Messages', 'Clean', 'Tagged as spam', 'Spam blocked', 'Whitelisted', 'Blacklisted',
        'Greylisted', 'Deferred', 'Size', 'Spam share',
      ]);
      // Newest first: the first row is the hour now.
      const hour = `${String(new Date().getUTCHours()).padStart(2, '0')}:00`;
      await expect(rows(page).first().locator('td[data-label="Period"]')).toHaveText(hour);
      await expect(page.getByText('No mail in this period.', { exact: true })).toHaveCount(0);
    });

    await test.step('the legend and the three charts, named for screen readers', async () => {
      await expect(page.getByRole('list', { name: 'Colours of the charts' }).getByRole('listitem')).toHaveText([
        'Clean', 'Tagged as spam', 'Spam blocked', 'Whitelisted', 'Blacklisted', 'Greylisted', 'Deferred',
      ]);
      await expect(page.locator('figure figcaption')).toHaveText(['Messages', 'Size', 'Spam share']);
      const messages = chart(page, 'Messages').getByRole('img');
      await expect(messages).toHaveAccessibleName('Messages Messages per hour: Clean 2, Spam blocked 2.');
      await expect(chart(page, 'Size').getByRole('img')).toHaveAccessibleName(/^Size Size per hour: Clean .+/);
      await expect(chart(page, 'Spam share').getByRole('img'))
        .toHaveAccessibleName('Spam share The share of spam per hour; 50.0 % over the period.');
      const titles = chart(page, 'Messages').locator('rect > title');
      await expect(titles).toHaveCount(2);
      await expect(titles.filter({ hasText: /^\d\d:00: Clean 2$/ })).toHaveCount(1);
      await expect(titles.filter({ hasText: /^\d\d:00: Spam blocked 2$/ })).toHaveCount(1);
      await expectAccessible(page);
    });

    for (const period of PERIODS.slice(1)) {
      await test.step(`${period.label}: the same figures`, async () => {
        await show(page, STATS, period);
        await expectChoiceInAddress(page, id, period.value);
        await expectStatsTestFigures(page, period);
        await expect(chart(page, 'Messages').getByRole('img')).toHaveAccessibleName(/: Clean 2, Spam blocked 2\.$/);
      });
    }
    await expectAccessible(page);

    await test.step('all their domains are stats.test alone', async () => {
      await show(page, 'All your domains', PERIODS[0]);
      await expectChoiceInAddress(page, '', 'hours');
      await expectStatsTestFigures(page, PERIODS[0]);
    });
  });

  test('a master admin’s total holds every domain’s mail', async ({ browser }) => {
    test.setTimeout(60_000);
    const stella = await signedIn(browser, STELLA);
    const master = await signedIn(browser, MASTER);
    // Mail to example.test of this test's own, besides what other specs sent.
    expect(sendMail([USERS.quinn], `Minutes for Quinn ${Date.now().toString(36)}`, HAM)).toBe('accepted');

    await openStats(master);
    let exampleTotal = 0;
    await test.step('example.test has mail', async () => {
      await show(master, 'example.test', PERIODS[0]);
      exampleTotal = await total(master);
      expect(exampleTotal).toBeGreaterThanOrEqual(1);
      await expect(rowsWithMail(master).first()).toBeVisible();
    });

    await test.step('stats.test: the figures its admin sees', async () => {
      await show(master, STATS, PERIODS[0]);
      await expectStatsTestFigures(master, PERIODS[0]);
      await expect(chart(master, 'Messages').getByRole('img'))
        .toHaveAccessibleName('Messages Messages per hour: Clean 2, Spam blocked 2.');
    });

    await test.step('all domains: at least both of them together', async () => {
      await show(master, 'All your domains', PERIODS[0]);
      await expectChoiceInAddress(master, '', 'hours');
      expect(await total(master)).toBeGreaterThanOrEqual(exampleTotal + 4);
      await expect(domainSelect(master).locator('option', { hasText: 'example.test' })).toHaveCount(1);
      await expect(domainSelect(master).locator('option', { hasText: STATS })).toHaveCount(1);
      await expectAccessible(master);
    });

    await test.step('another domain’s figures are refused to stats.test’s admin', async () => {
      const exampleId = await domainSelect(master).locator('option', { hasText: /^example\.test$/ }).getAttribute('value');
      expect(exampleId).toMatch(/^\d+$/);
      await open(stella, `/stats?domain=${exampleId}&period=hours`);
      await expect(stella.getByRole('alert').filter({ hasText: 'You do not have access to this.' })).toBeVisible();
      await expect(stella.getByRole('heading', { level: 2, name: /for example\.test/ })).toHaveCount(0);
      await expect(summary(stella)).toHaveCount(0);
      await expect(stella.getByText('example.test')).toHaveCount(0);
    });
    await stella.context().close();
    await master.context().close();
  });

  test('a domain with no mail in the period says so', async ({ page }) => {
    await signIn(page, MASTER);
    await openStats(page);
    for (const period of PERIODS) {
      await show(page, QUIET, period);
      await expect(summary(page)).toHaveText('0 messages, 0 B; spam share —.');
      await expect(page.getByText('No mail in this period.', { exact: true })).toBeVisible();
      await expect(table(page)).toHaveCount(0);
      await expect(page.locator('figure')).toHaveCount(0);
      await expect(page.getByRole('list', { name: 'Colours of the charts' })).toHaveCount(0);
    }
    await expectAccessible(page);
  });

  test('the admin of example.test is not offered stats.test', async ({ page }) => {
    await signIn(page, USERS.dora);
    await openStats(page);
    // Other specs make dora admin of more domains: only the ones compared here are known.
    await expect(domainSelect(page).locator('option').first()).toHaveText('All your domains');
    await expect(domainSelect(page).locator('option', { hasText: /^example\.test$/ })).toHaveCount(1);
    await expect(domainSelect(page).locator('option', { hasText: STATS })).toHaveCount(0);
    await expect(domainSelect(page).locator('option', { hasText: QUIET })).toHaveCount(0);
  });

  test('a mail user is refused the statistics', async ({ page }) => {
    await signIn(page, USERS.quinn);
    await expect(nav(page).getByRole('link', { name: 'Mail log', exact: true })).toBeVisible();
    await expect(nav(page).getByRole('link', { name: 'Statistics' })).toHaveCount(0);
    const response = await page.goto('/stats');
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Statistics' })).toHaveCount(0);
    await page.waitForSelector('body[data-hydrated]');
    await expectAccessible(page);
  });
});
