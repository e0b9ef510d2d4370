// CSV export and import, and the audit log that records them: a domain admin exports the
// mailboxes, edits the file and imports it back; an import with bad rows changes nothing
// and names each row; the log shows the domain's entries with filters; a master admin
// searches the domains and moves them in and out.
import { expect, Page, test } from '@playwright/test';
import { readFileSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { expectAccessible, GOOD_PASSWORD, open, signIn, USERS } from './helpers';

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

test('a domain admin exports the mailboxes, edits the file and imports it back', async ({ page }) => {
  await signIn(page, USERS.dora);
  await open(page, '/admin/domains');
  await page.getByRole('link', { name: 'Mailboxes of example.test', exact: true }).click();
  await page.waitForSelector('body[data-hydrated]');
  await expect(page.getByRole('heading', { name: 'Storage' })).toBeVisible();
  await expect(page.locator('.quota-usage')).toContainText(/used by \d+ mailboxes/);

  const { name, text } = await download(page, 'Export mailboxes (CSV)');
  expect(name).toMatch(/^mailboxes-example\.test-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = text.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  expect(lines[0]).toBe('address,display_name,quota,enabled,password,used');
  expect(lines.some((l) => l.startsWith('alice@example.test,'))).toBe(true);

  await test.step('a new row and the rows as they were: one added, nothing else changed', async () => {
    const edited = [...lines, `csvzed,Zed from the file,1 GB,yes,${GOOD_PASSWORD},`].join('\n');
    await importCsv(page, 'CSV file of mailboxes to import', edited);
    const done = page.getByRole('status').filter({ hasText: 'Imported:' });
    await expect(done).toContainText(`Imported: 1 added, 0 changed, ${lines.length - 1} unchanged.`);
    await expect(done.getByRole('listitem')).toHaveText(['csvzed@example.test (quota 1 GB)']);
    // The list reloaded with the new mailbox.
    await page.getByLabel('Search mailboxes').fill('csvzed');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByRole('cell', { name: 'csvzed@example.test', exact: true })).toBeVisible();
    await expect(page.getByRole('cell', { name: 'Zed from the file', exact: true })).toBeVisible();
  });

  await test.step('an edited name comes back as a change', async () => {
    await importCsv(page, 'CSV file of mailboxes to import', 'address,display_name\ncsvzed,Zed Edited\n');
    await expect(page.getByRole('status').filter({ hasText: 'Imported:' }))
      .toContainText('Imported: 0 added, 1 changed, 0 unchanged.');
    await expect(page.getByRole('cell', { name: 'Zed Edited', exact: true })).toBeVisible();
  });

  await test.step('a file with bad rows imports nothing and names each row', async () => {
    const bad = ['address,quota,password', `good1,1 GB,${GOOD_PASSWORD}`, 'new one,1 GB,x', `quota2,lots,${GOOD_PASSWORD}`].join('\n');
    await importCsv(page, 'CSV file of mailboxes to import', bad);
    const alert = page.locator('.import-problems');
    await expect(alert).toContainText('Nothing was imported: 2 rows have problems.');
    await expect(alert.getByRole('row')).toHaveCount(3);
    await expect(alert.getByRole('row').nth(1)).toContainText('3');
    await expect(alert.getByRole('row').nth(2)).toContainText('“lots” is not a size');
    await expectAccessible(page);
    await page.getByLabel('Search mailboxes').fill('good1');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByText('No mailbox matches this search.')).toBeVisible();
  });

  await test.step('the host\'s domain list is not a domain admin\'s to export', async () => {
    const answer = await page.request.get('/export/domains');
    expect(answer.status()).toBe(403);
    await expect(page.getByRole('link', { name: 'Export domains (CSV)' })).toHaveCount(0);
  });
});

test('a domain admin reads their domains\' log, filtered', async ({ page }) => {
  await signIn(page, USERS.dora);
  await open(page, '/admin/audit');
  await page.waitForSelector('body[data-hydrated]');
  await expect(page.getByRole('heading', { name: 'Audit log', level: 1 })).toBeVisible();
  await page.getByLabel('What').selectOption({ label: 'Csv imported' });
  await page.getByLabel('Who (address)').fill('dora@');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL(/action=csv_imported/);
  const rows = page.getByRole('row');
  await expect(rows.nth(1)).toContainText('mailboxes of example.test: 0 added, 1 changed, 0 unchanged');
  await expect(rows.nth(1)).toContainText('example.test');
  // Only the domain's entries: the first master admin's creation is not among them.
  await page.getByLabel('What').selectOption({ label: 'Any action' });
  await page.getByLabel('Who (address)').fill('');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page.getByRole('cell', { name: 'First admin created' })).toHaveCount(0);
  await page.getByLabel('From day').fill('2000-01-01');
  await page.getByLabel('To day (included)').fill('2000-01-02');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page.getByText('No entry matches these filters.')).toBeVisible();
  await expectAccessible(page);
});

test('a master admin searches the domains and imports relay domains', async ({ page }) => {
  await signIn(page, 'admin@example.test', GOOD_PASSWORD);
  await open(page, '/admin/domains');
  await page.waitForSelector('body[data-hydrated]');
  await page.getByLabel('Search domains').fill('example');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page).toHaveURL(/search=example/);
  await expect(page.getByRole('cell', { name: 'example.test', exact: true })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Pages of domains' })).toContainText('found · page 1 of 1');

  const all = await download(page, 'Export domains (CSV)');
  expect(all.text).toContain('example.test,hosted,');
  const csv = 'domain,kind,routes\ncsv-relay.test,relay,mx1.csv-relay.example mx2.csv-relay.example:2525\nbroken.test,relay,\n';
  await importCsv(page, 'CSV file of domains to import', csv);
  await expect(page.locator('.import-problems')).toContainText('broken.test is relayed and needs at least one route.');
  await importCsv(page, 'CSV file of domains to import', csv.replace('broken.test,relay,\n', ''));
  await expect(page.getByRole('status').filter({ hasText: 'Imported:' }))
    .toContainText('csv-relay.test (relayed to mx1.csv-relay.example:25 mx2.csv-relay.example:2525)');
  const relays = await download(page, 'Export relay domains (CSV)');
  expect(relays.text).toContain('csv-relay.test,relay,mx1.csv-relay.example:25 mx2.csv-relay.example:2525,,no,mailportal-verification=');
  expect(relays.text).not.toContain('example.test,hosted');
});
