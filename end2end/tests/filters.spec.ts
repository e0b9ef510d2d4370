// A domain's Filter settings and Blocked attachments screens (domain admin): defaults, bad
// values explained at their fields, the form filled by keyboard alone, saved values shown
// again, and reset after a question (Cancel first).
import { expect, Page, test } from '@playwright/test';
import { expectAccessible, open, signIn, USERS } from './helpers';

async function openDomainPage(page: Page, domain: string, tab: string) {
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: `${tab} of ${domain}`, exact: true }).click();
  await expect(page.getByRole('heading', { name: `${tab} of ${domain}`, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

async function fill(page: Page, label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel(label, { exact: true }).press('Tab');
}

const notice = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });

const QUARANTINE = 'Keep spam at the reject level in quarantine';
const DAYS = 'Days to keep quarantined mail';
const REPLY_REFUSE = 'That the message was refused (5xx): recommended';
const REPLY_ACCEPT = 'That the message was accepted (2xx)';
const DIGEST_DAILY = 'Once a day';
const DIGEST_WEEKLY = 'Once a week';
const SKIP_SPF = 'Skip the SPF check';
const SPF_EXEMPT = 'Client IPs exempt from the SPF check';
const LONG_LINES = 'Take lines longer than 998 characters';
const SUBJECT_TAG = 'Subject tag for spam';
const SIZE = 'Largest message';
const SAVED = 'The filter settings were saved. They judge the next message.';
const DEFAULT_EXTENSIONS = ['.bat', '.btm', '.cmd', '.com', '.cpl', '.dll', '.exe', '.msi', '.pif'];

/** The form shows the defaults; `check` is `expect.soft` to go on past a difference. */
async function expectDefaults(page: Page, check: typeof expect = expect) {
  await check(page.getByLabel(QUARANTINE, { exact: true })).toBeChecked();
  await check(page.getByLabel(DAYS, { exact: true })).toHaveValue('28');
  await check(page.getByLabel(REPLY_REFUSE, { exact: true })).toBeChecked();
  await check(page.getByLabel(REPLY_ACCEPT, { exact: true })).not.toBeChecked();
  await check(page.getByLabel(DIGEST_DAILY, { exact: true })).toBeChecked();
  await check(page.getByLabel(SKIP_SPF, { exact: true })).not.toBeChecked();
  await check(page.getByLabel(SPF_EXEMPT, { exact: true })).toHaveValue('');
  await check(page.getByLabel(LONG_LINES, { exact: true })).not.toBeChecked();
  await check(page.getByLabel(SUBJECT_TAG, { exact: true })).toHaveValue('');
  await check(page.getByLabel(SIZE, { exact: true })).toHaveValue('');
  await check(page.getByLabel('Refused', { exact: true })).toBeChecked();
  await check(page.getByLabel('Kept in quarantine', { exact: true })).not.toBeChecked();
}

test('a domain admin sets the filter settings by keyboard, and bad values are explained', async ({ page }) => {
  await signIn(page, USERS.dora);
  await openDomainPage(page, 'example.test', 'Filter settings');
  await expectAccessible(page);

  await test.step('every hosted domain has the new tabs', async () => {
    await expect(page.getByRole('navigation', { name: 'Pages of example.test' }).getByRole('link')).toHaveText([
      'Mailboxes', 'Aliases', 'Domain aliases', 'SDR', 'Sender addresses', 'Antispam thresholds',
      'Sender lists', 'Filter settings', 'Blocked attachments', 'Local recipients', 'Auto migration', 'Settings', 'Admins',
    ]);
  });

  await test.step('the defaults, with the warning about accepting', async () => {
    await expectDefaults(page);
    await expect(page.getByRole('group', { name: 'What the sender is told' }).getByRole('radio')).toHaveCount(2);
    await expect(page.getByRole('group', { name: 'What the sender is told' }).locator('p.warning')).toContainText('RFC 5321');
    await expect(page.getByRole('group', { name: 'Larger mail is' }).getByRole('radio')).toHaveCount(2);
  });

  await test.step('bad values are explained at their fields', async () => {
    await fill(page, DAYS, '0');
    await expect(page.locator('#quarantine_days-error')).toHaveText('Enter a number of days from 1 to 365.');
    await expect(page.getByLabel(DAYS, { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await fill(page, DAYS, '400');
    await expect(page.locator('#quarantine_days-error')).toHaveText('Enter a number of days from 1 to 365.');
    await fill(page, DAYS, '28');
    await expect(page.locator('#quarantine_days-error')).toBeEmpty();
    await fill(page, SPF_EXEMPT, '192.0.2.1, 010.0.0.1');
    await expect(page.locator('#spf_exempt-error')).toContainText('leading zero');
    await fill(page, SPF_EXEMPT, '');
    await expect(page.locator('#spf_exempt-error')).toBeEmpty();
    await fill(page, SIZE, 'lots');
    await expect(page.locator('#size_limit-error')).toContainText('“lots” is not a size');
    // Above the server's own limit: refused on saving.
    await fill(page, SIZE, '100 MB');
    await expect(page.locator('#size_limit-error')).toBeEmpty();
    await page.getByRole('button', { name: 'Save filter settings', exact: true }).click();
    await expect(page.locator('#size_limit-error')).toContainText('This server takes messages up to 25 MB');
    await expect(page.getByLabel(SIZE, { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(notice(page, SAVED)).toHaveCount(0);
    await page.reload();
    await page.waitForSelector('body[data-hydrated]');
    await expect(page.getByLabel(SIZE, { exact: true })).toHaveValue('');
  });

  await test.step('the form filled with the keyboard alone', async () => {
    const focused = async (label: string) => expect(page.getByLabel(label, { exact: true })).toBeFocused();
    await page.getByLabel(QUARANTINE, { exact: true }).focus();
    await page.keyboard.press('Space');
    await expect(page.getByLabel(QUARANTINE, { exact: true })).not.toBeChecked();
    await page.keyboard.press('Tab');
    await focused(DAYS);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('14');
    // Into the group: the chosen reply has the focus; the arrow key chooses the next.
    await page.keyboard.press('Tab');
    await focused(REPLY_REFUSE);
    await page.keyboard.press('ArrowDown');
    await focused(REPLY_ACCEPT);
    await expect(page.getByLabel(REPLY_ACCEPT, { exact: true })).toBeChecked();
    // The digest group: daily by default, the arrow key chooses weekly.
    await page.keyboard.press('Tab');
    await focused(DIGEST_DAILY);
    await page.keyboard.press('ArrowDown');
    await expect(page.getByLabel(DIGEST_WEEKLY, { exact: true })).toBeChecked();
    await page.keyboard.press('Tab');
    await focused(SKIP_SPF);
    await page.keyboard.press('Tab');
    await focused(SPF_EXEMPT);
    await page.keyboard.type('192.0.2.1, 198.51.100.9/24');
    await page.keyboard.press('Tab');
    await focused(LONG_LINES);
    await page.keyboard.press('Space');
    await expect(page.getByLabel(LONG_LINES, { exact: true })).toBeChecked();
    await page.keyboard.press('Tab');
    await focused(SUBJECT_TAG);
    await page.keyboard.type('[SPAM]');
    await page.keyboard.press('Tab');
    await focused(SIZE);
    await page.keyboard.type('10 MB');
    await page.keyboard.press('Tab');
    await focused('Refused');
    await page.keyboard.press('ArrowDown');
    await expect(page.getByLabel('Kept in quarantine', { exact: true })).toBeChecked();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Save filter settings', exact: true })).toBeFocused();
    await page.keyboard.press('Space');
    await expect(notice(page, SAVED)).toBeVisible();
  });

  await test.step('the saved values are shown again', async () => {
    await page.reload();
    await page.waitForSelector('body[data-hydrated]');
    await expect(page.getByLabel(QUARANTINE, { exact: true })).not.toBeChecked();
    await expect(page.getByLabel(DAYS, { exact: true })).toHaveValue('14');
    await expect(page.getByLabel(REPLY_ACCEPT, { exact: true })).toBeChecked();
    await expect(page.getByLabel(DIGEST_WEEKLY, { exact: true })).toBeChecked();
    await expect(page.getByLabel(SKIP_SPF, { exact: true })).not.toBeChecked();
    // The range is saved from its first address.
    await expect(page.getByLabel(SPF_EXEMPT, { exact: true })).toHaveValue('192.0.2.1\n198.51.100.0/24');
    await expect(page.getByLabel(LONG_LINES, { exact: true })).toBeChecked();
    await expect(page.getByLabel(SUBJECT_TAG, { exact: true })).toHaveValue('[SPAM]');
    await expect(page.getByLabel(SIZE, { exact: true })).toHaveValue('10 MB');
    await expect(page.getByLabel('Kept in quarantine', { exact: true })).toBeChecked();
    await expectAccessible(page);
  });

  await test.step('SPF skipped entirely and the subject tag changed, with a mouse', async () => {
    await page.getByLabel(SKIP_SPF, { exact: true }).check();
    await page.getByRole('button', { name: 'Save filter settings', exact: true }).click();
    await expect(notice(page, SAVED)).toBeVisible();
    await page.reload();
    await page.waitForSelector('body[data-hydrated]');
    await expect(page.getByLabel(SKIP_SPF, { exact: true })).toBeChecked();
    await expect(page.getByLabel(DAYS, { exact: true })).toHaveValue('14');
    // Saved without leaving the page: the reset below must show the defaults all the same.
    await fill(page, SUBJECT_TAG, '[JUNK]');
    await page.getByRole('button', { name: 'Save filter settings', exact: true }).click();
    await expect(notice(page, SAVED)).toBeVisible();
  });

  await test.step('reset to the defaults after a question; Cancel changes nothing', async () => {
    await page.getByRole('button', { name: 'Reset to defaults', exact: true }).click();
    await expect(page.getByText('Return the filter settings of this domain to their defaults?')).toBeVisible();
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Reset filter settings' })).toHaveCount(0);
    await expect(page.getByLabel(DAYS, { exact: true })).toHaveValue('14');
    await expect(page.getByLabel(SUBJECT_TAG, { exact: true })).toHaveValue('[JUNK]');
    await page.getByRole('button', { name: 'Reset to defaults', exact: true }).click();
    await page.getByRole('button', { name: 'Reset filter settings', exact: true }).click();
    await expect(page.getByText('The filter settings are back to their defaults.')).toBeVisible();
    // The form shows what was saved: the defaults, at once (soft, so that what the server
    // kept is checked below even when the form lags).
    await expectDefaults(page, expect.soft);
    await page.reload();
    await page.waitForSelector('body[data-hydrated]');
    await expectDefaults(page);
  });

  await test.step('another domain’s filter settings are refused', async () => {
    const answer = await page.request.post('/api/filter-settings/save', {
      form: {
        domain: '999', quarantine_days: '28', quarantine_reply: 'refuse', spf_exempt: '',
        subject_tag: '', size_limit: '', oversize: 'refuse',
      },
      headers: { Origin: 'http://localhost:3100' },
    });
    expect(answer.status()).toBe(403);
  });
});

test('a domain admin blocks and unblocks attachment types, and resets the list', async ({ page }) => {
  await signIn(page, USERS.dora);
  await openDomainPage(page, 'example.test', 'Blocked attachments');
  await expectAccessible(page);
  const list = page.getByRole('list', { name: 'Blocked extensions' });
  await expect(list.locator('.extension')).toHaveText(DEFAULT_EXTENSIONS);
  for (const ext of DEFAULT_EXTENSIONS) {
    await expect(list.getByRole('button', { name: `Remove ${ext}`, exact: true })).toBeVisible();
  }

  await test.step('bad and known extensions are explained at the field', async () => {
    await fill(page, 'Extension', 'e x e');
    await expect(page.locator('#extension-error')).toContainText('is not a file extension');
    await expect(page.getByLabel('Extension', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await fill(page, 'Extension', '.EXE');
    await page.getByRole('button', { name: 'Block extension', exact: true }).click();
    await expect(page.locator('#extension-error')).toHaveText('.exe is blocked already.');
    await expect(list.locator('.extension')).toHaveText(DEFAULT_EXTENSIONS);
  });

  await test.step('an extension typed as a pattern is saved plain', async () => {
    await fill(page, 'Extension', '*.JS');
    await page.getByRole('button', { name: 'Block extension', exact: true }).click();
    await expect(notice(page, 'The extension is blocked from the next message on.')).toBeVisible();
    await expect(list.locator('.extension')).toHaveText(['.bat', '.btm', '.cmd', '.com', '.cpl', '.dll', '.exe', '.js', '.msi', '.pif']);
  });

  await test.step('an extension removed', async () => {
    await list.getByRole('button', { name: 'Remove .exe', exact: true }).click();
    await expect(notice(page, 'The extension was removed: such attachments are taken from the next message on.')).toBeVisible();
    await expect(list.locator('.extension')).toHaveText(['.bat', '.btm', '.cmd', '.com', '.cpl', '.dll', '.js', '.msi', '.pif']);
    await page.reload();
    await page.waitForSelector('body[data-hydrated]');
    await expect(list.locator('.extension')).toHaveText(['.bat', '.btm', '.cmd', '.com', '.cpl', '.dll', '.js', '.msi', '.pif']);
    await expectAccessible(page);
  });

  await test.step('resetting the filter settings leaves the extensions as they are', async () => {
    await openDomainPage(page, 'example.test', 'Filter settings');
    await page.getByRole('button', { name: 'Reset to defaults', exact: true }).click();
    await page.getByRole('button', { name: 'Reset filter settings', exact: true }).click();
    await expect(page.getByText('The filter settings are back to their defaults.')).toBeVisible();
    await openDomainPage(page, 'example.test', 'Blocked attachments');
    await expect(list.locator('.extension')).toHaveText(['.bat', '.btm', '.cmd', '.com', '.cpl', '.dll', '.js', '.msi', '.pif']);
  });

  await test.step('the default list is back after a question; Cancel changes nothing', async () => {
    await page.getByRole('button', { name: 'Reset to the default list', exact: true }).click();
    await expect(page.getByText("Replace this domain's blocked extensions with the default list?")).toBeVisible();
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Reset blocked extensions' })).toHaveCount(0);
    await expect(list.locator('.extension')).toContainText(['.js']);
    await page.getByRole('button', { name: 'Reset to the default list', exact: true }).click();
    await page.getByRole('button', { name: 'Reset blocked extensions', exact: true }).click();
    await expect(page.getByText('The default list is back.')).toBeVisible();
    await expect(list.locator('.extension')).toHaveText(DEFAULT_EXTENSIONS);
  });

  await test.step('another domain’s extensions are refused', async () => {
    const answer = await page.request.post('/api/attachments/add', {
      form: { domain: '999', extension: 'js' },
      headers: { Origin: 'http://localhost:3100' },
    });
    expect(answer.status()).toBe(403);
  });
});
