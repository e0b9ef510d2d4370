// Antispam thresholds: a domain's own values (domain admin) and the global ones (master admin).
import { Browser, expect, Page, test } from '@playwright/test';
import { HAM, sendMail, sendMailAsync, SPAM } from './mail';
import { expectAccessible, GOOD_PASSWORD, open, portalCli, signIn, USERS } from './helpers';

async function fill(page: Page, label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel(label, { exact: true }).press('Tab');
}

const DEFER = 'Defer (greylist) at score';
const TAG = 'Add X-Spam header and junk at score';
const REJECT = 'Reject at score';

test('a domain admin sets the domain’s thresholds and returns to the global ones', async ({ page }) => {
  await signIn(page, USERS.dora);
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: 'Antispam thresholds of example.test', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Antispam thresholds of example.test', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expectAccessible(page);
  await expect(page.getByRole('status').filter({ hasText: 'uses the global thresholds: defer 4, add header 6, reject 15' })).toBeVisible();
  await expect(page.getByLabel(DEFER, { exact: true })).toHaveValue('4');
  await expect(page.getByRole('button', { name: 'Reset to the global values' })).toHaveCount(0);

  // Checked as typed, then the order on saving.
  await fill(page, REJECT, 'lots');
  await expect(page.locator('#reject-error')).toHaveText('“lots” is not a score like 4 or 6.5.');
  await fill(page, REJECT, '1000');
  await expect(page.locator('#reject-error')).toContainText('Enter a score from 0 to 999');
  await fill(page, REJECT, '15');
  await fill(page, DEFER, '7');
  await page.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(page.locator('#tag-error')).toHaveText('The score for adding the spam header must be above the score for deferring.');

  await fill(page, DEFER, '999');
  await fill(page, TAG, '5,5');
  await fill(page, REJECT, '20');
  await page.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'has its own thresholds: defer 999, add header 5.5, reject 20' })).toBeVisible();

  // Back to the global values, after confirming.
  await page.getByRole('button', { name: 'Reset to the global values' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Reset to the global values' }).click();
  await page.getByRole('button', { name: 'Use the global values' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'uses the global thresholds: defer 4, add header 6, reject 15' })).toBeVisible();

  // Another domain's thresholds and the global screen are not a domain admin's.
  const answer = await page.request.post('/api/antispam/thresholds/save', {
    form: { domain: '999', defer: '999', tag: '999', reject: '999' },
    headers: { Origin: 'http://localhost:3100' },
  });
  expect(answer.status()).toBe(403);
  await open(page, '/account');
  await expect(page.getByRole('link', { name: 'Antispam thresholds', exact: true })).toHaveCount(0);
  const global = await page.goto('/admin/antispam/thresholds');
  expect(global?.status()).toBe(403);
});

test('a master admin sets the global thresholds', async ({ page }) => {
  await signIn(page, 'admin@example.test', GOOD_PASSWORD);
  await page.getByRole('link', { name: 'Antispam thresholds', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Global antispam thresholds', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expectAccessible(page);
  await fill(page, TAG, '16');
  await page.getByRole('button', { name: 'Save global thresholds' }).click();
  await expect(page.locator('#reject-error')).toHaveText('The score for rejecting must be above the score for adding the spam header.');
  await fill(page, TAG, '7');
  await page.getByRole('button', { name: 'Save global thresholds' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved: the next message of every domain' })).toBeVisible();

  // A domain without its own values shows the new global ones.
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: 'Antispam thresholds of example.test', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'uses the global thresholds: defer 4, add header 7, reject 15' })).toBeVisible();

  // Put the defaults back for other tests.
  await open(page, '/admin/antispam/thresholds');
  await fill(page, TAG, '6');
  await page.getByRole('button', { name: 'Save global thresholds' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved:' })).toBeVisible();
});

// The preview: a domain of its own (preview.test) gets two hams, one GTUBE spam (kept in
// quarantine) and one unknown recipient (refused at RCPT, not scored); its admin types other
// values and reads how those three scored messages would have gone, without saving.
const PREVIEW = 'preview.test';
/** Made admin of preview.test (its only domain). */
const PAULA = `paula@${PREVIEW}`;
const PIET = `piet@${PREVIEW}`;

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, GOOD_PASSWORD);
  return page;
}

const preview = (page: Page) => page.getByRole('region', { name: 'Preview on the last 7 days' });
const previewTable = (page: Page) => preview(page).getByRole('region', { name: 'Scored mail of the last 7 days by treatment' });

/** The preview's rows as [treatment, what happened, with these values, difference]. */
async function expectPreview(page: Page, rows: [string, number, number, string][]) {
  const body = previewTable(page).locator('tbody').getByRole('row');
  await expect(body).toHaveCount(rows.length);
  for (const [i, [treatment, got, would, difference]] of rows.entries()) {
    await expect(body.nth(i).getByRole('cell')).toHaveText([treatment, String(got), String(would), difference]);
  }
}

test('the preview recounts the last 7 days’ scored mail as the values are typed, without saving', async ({ browser, page }) => {
  test.setTimeout(60_000);
  await test.step('preview.test, its admin, and its mail: two hams, one GTUBE, one unknown recipient', async () => {
    expect(portalCli(['domain', 'add', PREVIEW])).toContain(`Added the domain ${PREVIEW}.`);
    for (const email of [PAULA, PIET]) {
      expect(portalCli(['user', 'add', email, '--role', 'mailuser'], GOOD_PASSWORD + '\n')).toContain(`Added ${email}`);
    }
    const master = await signedIn(browser, 'admin@example.test');
    await open(master, '/admin/domains');
    await master.getByRole('link', { name: `Admins of ${PREVIEW}`, exact: true }).click();
    await expect(master.getByRole('heading', { name: `Admins of ${PREVIEW}` })).toBeVisible();
    await master.waitForSelector('body[data-hydrated]');
    await master.getByLabel("Account's email address", { exact: true }).fill(PAULA);
    await master.getByRole('button', { name: 'Make admin' }).click();
    await expect(master.getByRole('cell', { name: PAULA, exact: true })).toBeVisible();
    await master.context().close();

    const t = Date.now().toString(36);
    expect(
      await Promise.all([
        sendMailAsync([PIET], `Minutes for Piet ${t}`, HAM),
        sendMailAsync([PAULA], `Minutes for Paula ${t}`, HAM),
        sendMailAsync([PIET], `Prize for Piet ${t}`, SPAM),
        sendMailAsync([`nobody-${t}@${PREVIEW}`], `Lost letter ${t}`, 'Hello?\n'),
      ]),
    ).toEqual(['accepted', 'accepted', 'kept', 'refused']);
  });

  await signIn(page, PAULA);
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: `Antispam thresholds of ${PREVIEW}`, exact: true }).click();
  await expect(page.getByRole('heading', { name: `Antispam thresholds of ${PREVIEW}`, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  const saved = {
    defer: await page.getByLabel(DEFER, { exact: true }).inputValue(),
    tag: await page.getByLabel(TAG, { exact: true }).inputValue(),
    reject: await page.getByLabel(REJECT, { exact: true }).inputValue(),
  };
  const status = preview(page).getByRole('status');

  await test.step('the saved values treat the three scored messages as they were', async () => {
    await expect(preview(page).getByRole('heading', { name: 'Preview on the last 7 days', level: 2 })).toBeVisible();
    await expect(status).toHaveText('These values treat the 3 scored messages of the last 7 days as they were treated.');
    await expect(previewTable(page).getByRole('columnheader'))
      .toHaveText(['Treatment', 'What happened', 'With these values', 'Difference']);
    await expectPreview(page, [
      ['Delivered', 2, 2, '—'],
      ['Greylisted', 0, 0, '—'],
      ['Tagged as spam', 0, 0, '—'],
      ['Quarantined', 1, 1, '—'],
      ['Rejected', 0, 0, '—'],
    ]);
    await expectAccessible(page);
  });

  await test.step('reject typed as 999: the spam would have been greylisted instead', async () => {
    const reject = page.getByLabel(REJECT, { exact: true });
    await reject.focus();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('999');
    await expect(status).toHaveText('With these values, the 3 scored messages of the last 7 days would have gone as below.');
    await expectPreview(page, [
      ['Delivered', 2, 2, '—'],
      ['Greylisted', 0, 1, '+1'],
      ['Tagged as spam', 0, 0, '—'],
      ['Quarantined', 1, 0, '-1'],
      ['Rejected', 0, 0, '—'],
    ]);
  });

  await test.step('defer 999 too: the spam would have been tagged', async () => {
    await page.getByLabel(DEFER, { exact: true }).fill('999');
    await expectPreview(page, [
      ['Delivered', 2, 2, '—'],
      ['Greylisted', 0, 0, '—'],
      ['Tagged as spam', 0, 1, '+1'],
      ['Quarantined', 1, 0, '-1'],
      ['Rejected', 0, 0, '—'],
    ]);
  });

  await test.step('tag at 0: every message would have been tagged', async () => {
    await page.getByLabel(TAG, { exact: true }).fill('0');
    await expect(status).toHaveText('With these values, the 3 scored messages of the last 7 days would have gone as below.');
    await expectPreview(page, [
      ['Delivered', 2, 0, '-2'],
      ['Greylisted', 0, 0, '—'],
      ['Tagged as spam', 0, 3, '+3'],
      ['Quarantined', 1, 0, '-1'],
      ['Rejected', 0, 0, '—'],
    ]);
    await expectAccessible(page);
  });

  await test.step('values out of order: no preview, and why', async () => {
    await page.getByLabel(DEFER, { exact: true }).fill('8');
    await page.getByLabel(TAG, { exact: true }).fill('6');
    await expect(status).toHaveText(
      'No preview for these values: The score for adding the spam header must be above the score for deferring.',
    );
    await expect(previewTable(page)).toHaveCount(0);
    await expectAccessible(page);
  });

  await test.step('nothing was saved: the page loaded again shows the saved values', async () => {
    await page.reload();
    await page.waitForSelector('body[data-hydrated]');
    await expect(page.getByLabel(DEFER, { exact: true })).toHaveValue(saved.defer);
    await expect(page.getByLabel(TAG, { exact: true })).toHaveValue(saved.tag);
    await expect(page.getByLabel(REJECT, { exact: true })).toHaveValue(saved.reject);
    await expect(page.getByRole('status').filter({ hasText: `${PREVIEW} uses the global thresholds` })).toBeVisible();
    await expect(status).toHaveText('These values treat the 3 scored messages of the last 7 days as they were treated.');
    await expectPreview(page, [
      ['Delivered', 2, 2, '—'],
      ['Greylisted', 0, 0, '—'],
      ['Tagged as spam', 0, 0, '—'],
      ['Quarantined', 1, 1, '—'],
      ['Rejected', 0, 0, '—'],
    ]);
  });
});

test('a domain whose only mail was refused at RCPT has nothing to preview', async ({ page }) => {
  const quiet = 'preview-quiet.test';
  expect(portalCli(['domain', 'add', quiet])).toContain(`Added the domain ${quiet}.`);
  // Refused at RCPT: logged, but never scored.
  expect(sendMail([`nobody@${quiet}`], `Lost letter ${Date.now().toString(36)}`, 'Hello?\n')).toBe('refused');
  await signIn(page, 'admin@example.test', GOOD_PASSWORD);
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: `Antispam thresholds of ${quiet}`, exact: true }).click();
  await expect(page.getByRole('heading', { name: `Antispam thresholds of ${quiet}`, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expect(preview(page).getByRole('status')).toHaveText('No scored mail in the last 7 days to preview with.');
  await expect(previewTable(page)).toHaveCount(0);
  // Typed values are checked all the same.
  await page.getByLabel(REJECT, { exact: true }).fill('5');
  await expect(preview(page).getByRole('status')).toHaveText(
    'No preview for these values: The score for rejecting must be above the score for adding the spam header.',
  );
  await page.getByLabel(REJECT, { exact: true }).fill('30');
  await expect(preview(page).getByRole('status')).toHaveText('No scored mail in the last 7 days to preview with.');
  await expectAccessible(page);
});
