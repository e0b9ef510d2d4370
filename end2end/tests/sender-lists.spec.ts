// Antispam sender lists: a domain's blacklist and whitelist (domain admin), bad entries
// explained at their fields, search, delete after a question, CSV export and import; the
// global lists (master admin only).
import { expect, Page, test } from '@playwright/test';
import { readFileSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { expectAccessible, GOOD_PASSWORD, open, signIn, USERS } from './helpers';

const BLACKLIST = "Blacklist: refuse the sender's mail";
const WHITELIST = "Whitelist: let the sender's mail skip the spam checks";
const EVERYTHING = 'I mean every address (a /0 range)';
const ADDED = 'The entry was added. It judges the next message.';

async function fill(page: Page, label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel(label, { exact: true }).press('Tab');
}

async function openSenderLists(page: Page, domain: string) {
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: `Sender lists of ${domain}`, exact: true }).click();
  await expect(page.getByRole('heading', { name: `Sender lists of ${domain}`, level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

/** Fills the add form and sends it; `list` is the radio button's label. */
async function addEntry(page: Page, sender: string, { list = BLACKLIST, description = '', expires = '' } = {}) {
  await page.getByLabel(list, { exact: true }).check();
  await fill(page, 'Sender', sender);
  await fill(page, 'Description', description);
  await page.getByLabel('Expires', { exact: true }).fill(expires);
  await page.getByRole('button', { name: 'Add entry', exact: true }).click();
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The row whose Sender cell is this sender (followed by its kind), not one merely containing it. */
const row = (page: Page, sender: string) => {
  const cell = new RegExp(`^${escape(sender)}\\s*(address|domain and subdomains|server IP)$`);
  return page.getByRole('row').filter({ has: page.locator('td:nth-child(2)', { hasText: cell }) });
};
const column = (page: Page, sender: string, name: string) => row(page, sender).locator(`td[data-label="${name}"]`);
const notice = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });

/** Deletes an entry through its row's question. */
async function deleteEntry(page: Page, sender: string) {
  await page.getByRole('button', { name: `Delete ${sender}`, exact: true }).click();
  await row(page, sender).getByRole('button', { name: 'Delete entry', exact: true }).click();
  await expect(notice(page, 'The entry was deleted.')).toBeVisible();
  await expect(row(page, sender)).toHaveCount(0);
}

/** Clicks an export link and returns the downloaded file's name and text. */
async function download(page: Page, link: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: link, exact: true }).click(),
  ]);
  const saved = await file.path();
  return { name: file.suggestedFilename(), text: readFileSync(saved!, 'utf8') };
}

/** Imports `text` as a CSV file through the screen's import form. */
async function importCsv(page: Page, label: string, text: string) {
  const file = path.join(os.tmpdir(), `import-${Date.now()}.csv`);
  writeFileSync(file, text);
  await page.getByLabel(label).setInputFiles(file);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
}

/** A day that has not come yet, as the date field takes it. */
const NEXT_YEAR_END = `${new Date().getUTCFullYear() + 1}-12-31`;

test('a domain admin blacklists and whitelists senders, and bad entries are explained', async ({ page }) => {
  await signIn(page, USERS.dora);
  await openSenderLists(page, 'example.test');
  await expectAccessible(page);

  await test.step('the form starts on the blacklist and warns about whitelisting domains', async () => {
    const form = page.getByRole('region', { name: 'Add an entry' });
    await expect(form.getByRole('group', { name: 'List' }).getByRole('radio')).toHaveCount(2);
    await expect(page.getByLabel(BLACKLIST, { exact: true })).toBeChecked();
    await expect(page.getByLabel(WHITELIST, { exact: true })).not.toBeChecked();
    await expect(form.getByText(/^Whitelisting a domain lets in every message/)).toBeVisible();
    await expect(page.getByLabel(EVERYTHING, { exact: true })).not.toBeChecked();
    await expect(page.getByText('There are no entries yet.')).toBeVisible();
  });

  await test.step('bad senders and dates are explained at their fields, and nothing is added', async () => {
    await fill(page, 'Sender', '010.0.0.1');
    await expect(page.locator('#sender-error')).toContainText('leading zero');
    await expect(page.getByLabel('Sender', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await fill(page, 'Description', 'x'.repeat(201));
    await expect(page.locator('#description-error')).toHaveText('A description has at most 200 characters.');
    await addEntry(page, '0.0.0.0/0');
    await expect(page.locator('#sender-error')).toContainText('every address');
    await addEntry(page, 'spam.example', { description: 'Old run', expires: '2000-01-01' });
    await expect(page.locator('#expires-error')).toContainText('That day has passed');
    await expect(page.getByText('There are no entries yet.')).toBeVisible();
  });

  await test.step('a range with host bits is saved from its first address', async () => {
    await addEntry(page, '192.0.2.77/24', { description: 'Spam run' });
    await expect(notice(page, ADDED)).toBeVisible();
    await expect(notice(page, '192.0.2.77/24 was saved as 192.0.2.0/24: a range starts at its first address.')).toBeVisible();
    await expect(column(page, '192.0.2.0/24', 'List')).toHaveText('Blacklist');
    await expect(column(page, '192.0.2.0/24', 'Description')).toHaveText('Spam run');
    await expect(column(page, '192.0.2.0/24', 'Added')).toContainText(USERS.dora);
    await expect(column(page, '192.0.2.0/24', 'Expires')).toHaveText('Never');
    await expect(column(page, '192.0.2.0/24', 'Matched')).toHaveText('Never');
  });

  await test.step('an address on the whitelist until a day', async () => {
    await addEntry(page, 'jane@partner.example', { list: WHITELIST, description: 'Partner billing', expires: NEXT_YEAR_END });
    await expect(notice(page, ADDED)).toBeVisible();
    await expect(column(page, 'jane@partner.example', 'List')).toHaveText('Whitelist');
    await expect(column(page, 'jane@partner.example', 'Expires')).toHaveText(NEXT_YEAR_END);
    await expect(column(page, 'jane@partner.example', 'Matched')).toHaveText('Never');
    await expect(page.getByRole('table', { name: 'Sender list entries' }).getByRole('columnheader'))
      .toHaveText(['List', 'Sender', 'Description', 'Added', 'Expires', 'Matched', /.*/]);
    await expectAccessible(page);
  });

  await test.step('a sender is on one list only', async () => {
    await addEntry(page, '192.0.2.0/24', { list: WHITELIST });
    await expect(page.locator('#sender-error'))
      .toHaveText('192.0.2.0/24 is on the blacklist already. Delete it there first to list it again.');
    await expect(column(page, '192.0.2.0/24', 'List')).toHaveText('Blacklist');
  });

  await test.step('every address, once the author confirms it', async () => {
    await page.getByLabel(EVERYTHING, { exact: true }).check();
    await addEntry(page, '0.0.0.0/0', { description: 'Confirmed' });
    await expect(notice(page, ADDED)).toBeVisible();
    await expect(column(page, '0.0.0.0/0', 'List')).toHaveText('Blacklist');
  });

  await test.step('deleting asks first', async () => {
    await page.getByRole('button', { name: 'Delete 0.0.0.0/0', exact: true }).click();
    await expect(row(page, '0.0.0.0/0')).toContainText('Delete 0.0.0.0/0 from the blacklist?');
    await row(page, '0.0.0.0/0').getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(row(page, '0.0.0.0/0').getByRole('button', { name: 'Delete entry' })).toHaveCount(0);
    await deleteEntry(page, '0.0.0.0/0');
  });

  await test.step('the search finds entries by sender and by description', async () => {
    await page.getByLabel('Search entries').fill('partner');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page).toHaveURL(/search=partner/);
    await expect(row(page, 'jane@partner.example')).toBeVisible();
    await expect(page.getByRole('row')).toHaveCount(2); // the header and Jane
    await page.getByLabel('Search entries').fill('spam run');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(row(page, '192.0.2.0/24')).toBeVisible();
    await expect(page.getByRole('row')).toHaveCount(2);
    await page.getByLabel('Search entries').fill('nothing like it');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByText('No entry matches this search.')).toBeVisible();
    await openSenderLists(page, 'example.test');
  });

  await test.step('exported, edited and imported back', async () => {
    const { name, text } = await download(page, 'Export sender list entries (CSV)');
    expect(name).toMatch(/^sender-lists-example\.test-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = text.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('sender,list,description,expires,added_by,matched,last_match');
    expect(lines).toContain(`192.0.2.0/24,blacklist,Spam run,,${USERS.dora},0,`);
    expect(lines).toContain(`jane@partner.example,whitelist,Partner billing,${NEXT_YEAR_END},${USERS.dora},0,`);
    expect(lines).toHaveLength(3);

    const edited = lines
      .map((l) => l.replace('Partner billing', 'Partner invoices'))
      .concat('bulk.example,whitelist,Newsletter service,');
    await importCsv(page, 'CSV file of sender list entries to import', edited.join('\n'));
    const done = page.getByRole('status').filter({ hasText: 'Imported:' });
    await expect(done).toContainText('Imported: 1 added, 1 changed, 1 unchanged.');
    await expect(column(page, 'bulk.example', 'List')).toHaveText('Whitelist');
    await expect(column(page, 'bulk.example', 'Description')).toHaveText('Newsletter service');
    await expect(column(page, 'jane@partner.example', 'Description')).toHaveText('Partner invoices');
    await expect(column(page, 'jane@partner.example', 'Expires')).toHaveText(NEXT_YEAR_END);
  });

  await test.step('a file with bad rows imports nothing and names each row', async () => {
    const bad = ['sender,list', 'fine.example,blacklist', '0.0.0.0/0,blacklist', '010.0.0.1,whitelist', 'grey.example,greylist'];
    await importCsv(page, 'CSV file of sender list entries to import', bad.join('\n'));
    const alert = page.locator('.import-problems');
    await expect(alert).toContainText('Nothing was imported: 3 rows have problems.');
    await expect(alert.getByRole('row')).toHaveCount(4);
    await expect(alert.getByRole('row').nth(1)).toContainText('every address');
    await expect(alert.getByRole('row').nth(2)).toContainText('leading zero');
    await expect(alert.getByRole('row').nth(3)).toContainText('“greylist” is not a list');
    await expect(row(page, 'fine.example')).toHaveCount(0);
    await expectAccessible(page);
  });

  await test.step('the entries are deleted again', async () => {
    for (const sender of ['192.0.2.0/24', 'jane@partner.example', 'bulk.example']) {
      await deleteEntry(page, sender);
    }
    await expect(page.getByText('There are no entries yet.')).toBeVisible();
  });

  await test.step('another domain’s lists are refused', async () => {
    const answer = await page.request.post('/api/sender-lists/add', {
      form: { domain: '999', list: 'blacklist', sender: 'spam.example', description: '', expires: '' },
      headers: { Origin: 'http://localhost:3100' },
    });
    expect(answer.status()).toBe(403);
  });
});

test('the global sender lists are the master admin’s, not a domain admin’s', async ({ page }) => {
  await signIn(page, USERS.dora);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Global sender lists' })).toHaveCount(0);
  const screen = await page.goto('/admin/antispam/sender-lists');
  expect(screen?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
  // Without a domain, an entry is a global one.
  const answer = await page.request.post('/api/sender-lists/add', {
    form: { list: 'whitelist', sender: 'spam.example', description: '', expires: '' },
    headers: { Origin: 'http://localhost:3100' },
  });
  expect(answer.status()).toBe(403);
  expect((await page.request.get('/export/global-sender-lists')).status()).toBe(403);
});

test('a master admin keeps the global sender lists', async ({ page }) => {
  await signIn(page, 'admin@example.test', GOOD_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Global sender lists', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Global sender lists', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
  await expectAccessible(page);
  await expect(page.getByLabel(BLACKLIST, { exact: true })).toBeChecked();

  await test.step('entries added, and bad ones explained', async () => {
    await addEntry(page, '0.0.0.0/0');
    await expect(page.locator('#sender-error')).toContainText('every address');
    await addEntry(page, '198.51.100.0/24', { list: WHITELIST, description: 'Our gateway' });
    await expect(notice(page, ADDED)).toBeVisible();
    await expect(column(page, '198.51.100.0/24', 'List')).toHaveText('Whitelist');
    await expect(column(page, '198.51.100.0/24', 'Added')).toContainText('admin@example.test');
    await expect(column(page, '198.51.100.0/24', 'Matched')).toHaveText('Never');
    await addEntry(page, 'spam.example');
    await expect(notice(page, ADDED)).toBeVisible();
    await expect(column(page, 'spam.example', 'List')).toHaveText('Blacklist');
    await addEntry(page, 'spam.example');
    await expect(page.locator('#sender-error'))
      .toHaveText('spam.example is on the blacklist already. Delete it there first to list it again.');
    await expectAccessible(page);
  });

  await test.step('exported and imported', async () => {
    const { name, text } = await download(page, 'Export global sender list entries (CSV)');
    expect(name).toMatch(/^global-sender-lists-.*\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = text.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('sender,list,description,expires,added_by,matched,last_match');
    expect(lines).toContain('198.51.100.0/24,whitelist,Our gateway,,admin@example.test,0,');
    expect(lines).toContain('spam.example,blacklist,,,admin@example.test,0,');
    await importCsv(page, 'CSV file of global sender list entries to import', 'sender,description\nbulk-spam.example,Imported run\n');
    await expect(page.getByRole('status').filter({ hasText: 'Imported:' }))
      .toContainText('Imported: 1 added, 0 changed, 0 unchanged.');
    // Blacklist when the file leaves the list out.
    await expect(column(page, 'bulk-spam.example', 'List')).toHaveText('Blacklist');
    await expect(column(page, 'bulk-spam.example', 'Description')).toHaveText('Imported run');
  });

  await test.step('the global entries are not a domain’s', async () => {
    await openSenderLists(page, 'example.test');
    await expect(page.getByText('There are no entries yet.')).toBeVisible();
  });

  await test.step('the entries are deleted again', async () => {
    await open(page, '/admin/antispam/sender-lists');
    for (const sender of ['198.51.100.0/24', 'spam.example', 'bulk-spam.example']) {
      await deleteEntry(page, sender);
    }
    await expect(page.getByText('There are no entries yet.')).toBeVisible();
  });
});
