// Login history and security incidents: a person's own logins with the country of each IP
// (Security); an admin told on their home of users who signed in from more than one country
// (Security incidents), who looks at the user's logins and marks an IP range safe (Login
// history), and a domain admin who lists and removes the ranges of a domain (User trusted
// login IPs). Countries come from the country database serve.sh names; the portal trusts
// loopback as a proxy, so X-Forwarded-For (web) and Client-IP (mail) say where a login came
// from. Only this spec uses ivan.
import { expect, Page, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, mailLogin, open, outboxTo, signIn, USERS } from './helpers';

/** The master admin that first-start.setup.ts created. */
const MASTER = 'admin@example.test';

/** The portal's origin (playwright.config.ts): a sign-in must come from it. */
const ORIGIN = 'http://localhost:3100';
const GERMANY = '193.99.144.80';
const JAPAN = '133.242.0.3';
const BRAZIL = '200.160.2.3';
/** Another address in Brazil: blocked by a burst of refused mail logins, then marked safe. */
const BRAZIL_BLOCKED = '200.160.2.77';
const NEW_COUNTRY = 'Security notice: a login from a new country';

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const banner = (page: Page) => page.getByRole('link', { name: 'New security incidents detected', exact: true });
const loginTable = (page: Page) => page.getByRole('table', { name: 'Logins, newest first', exact: true });
const loginRow = (page: Page, text: string) => loginTable(page).getByRole('row').filter({ hasText: text });
const trustedTable = (page: Page) => page.getByRole('table', { name: 'IPs marked safe', exact: true });
const trustedRow = (page: Page, text: string) => trustedTable(page).getByRole('row').filter({ hasText: text });
const incidentRow = (page: Page, email: string) =>
  page
    .getByRole('table', { name: 'Security incidents, newest login first', exact: true })
    .getByRole('row')
    .filter({ hasText: email });
const markSafeButton = (page: Page, ip: string) =>
  loginRow(page, ip).getByRole('button', { name: new RegExp(`^Mark as safe ${ip.replace(/\./g, '\\.')} at `) });
const dialog = (page: Page) => page.getByRole('dialog', { name: 'Mark as safe', exact: true });


/** The admin home, its incident banner (if any) loaded. */
async function openHome(page: Page) {
  await open(page, '/account');
  await expect(page.getByRole('heading', { name: 'Your account', level: 1 })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Quarantine digest' })).toBeVisible();
}

async function openIncidents(page: Page) {
  await nav(page).getByRole('link', { name: 'Security incidents', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Security incidents', level: 1 })).toBeVisible();
  await page.waitForSelector('body[data-hydrated]');
}

test.describe.serial('login history and security incidents', () => {
  test('a mail user sees each login with its country, way in and credential', async ({ page, request }) => {
    await test.step('ivan logs in by IMAP from Germany and Japan, and to the portal from Brazil', async () => {
      expect(await mailLogin(request, USERS.ivan, GOOD_PASSWORD, { clientIp: GERMANY })).toBe('OK');
      expect(await mailLogin(request, USERS.ivan, GOOD_PASSWORD, { clientIp: JAPAN })).toBe('OK');
      const response = await request.post('/api/auth/sign_in', {
        form: { email: USERS.ivan, password: GOOD_PASSWORD },
        headers: { 'X-Forwarded-For': BRAZIL, Origin: ORIGIN },
      });
      expect(response.status()).toBe(200);
    });

    await signIn(page, USERS.ivan);
    await nav(page).getByRole('link', { name: 'Security', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Security', level: 1 })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Recent logins', level: 2 })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Security changes', level: 2 })).toBeVisible();

    const headers = loginTable(page).getByRole('columnheader');
    await expect(headers).toHaveText(['When', 'IP address', 'Country', 'Way in', 'Credential', 'Result', 'App']);

    const germany = loginRow(page, GERMANY);
    await expect(germany).toHaveCount(1);
    await expect(germany).toContainText('Germany (DE)');
    await expect(germany).toContainText('IMAP');
    await expect(germany).toContainText('Password');
    await expect(germany).toContainText('Signed in');

    const japan = loginRow(page, JAPAN);
    await expect(japan).toHaveCount(1);
    await expect(japan).toContainText('Japan (JP)');
    await expect(japan).toContainText('IMAP');
    await expect(japan).toContainText('Signed in');

    const brazil = loginRow(page, BRAZIL);
    await expect(brazil).toHaveCount(1);
    await expect(brazil).toContainText('Brazil (BR)');
    await expect(brazil).toContainText('Portal');
    await expect(brazil).toContainText('Password');
    await expect(brazil).toContainText('Signed in');

    // This browser came through loopback: no country.
    await expect(loginRow(page, '127.0.0.1').first()).toContainText('Unknown');
    // A person's own list has no admin actions.
    await expect(loginTable(page).getByRole('button')).toHaveCount(0);
    await expectAccessible(page);
  });

  test('the master admin is told of the incident and marks IPs safe from the login history', async ({ page }) => {
    await signIn(page, MASTER);

    await test.step('the home announces the incident; the list shows it as new', async () => {
      await openHome(page);
      await expect(banner(page)).toBeVisible();
      await banner(page).click();
      await expect(page).toHaveURL(/\/admin\/security\/incidents$/);
      await expect(page.getByRole('heading', { name: 'Security incidents', level: 1 })).toBeVisible();
      const ivan = incidentRow(page, USERS.ivan);
      await expect(ivan).toHaveCount(1);
      await expect(ivan).toContainText('example.test');
      await expect(ivan).toContainText('3:');
      await expect(ivan).toContainText('Germany (DE)');
      await expect(ivan).toContainText('Japan (JP)');
      await expect(ivan).toContainText('Brazil (BR)');
      await expect(ivan.getByText('New', { exact: true })).toBeVisible();
      await expectAccessible(page);
    });

    await test.step('once the list was opened, the incident is no longer new', async () => {
      await page.reload();
      await page.waitForSelector('body[data-hydrated]');
      const ivan = incidentRow(page, USERS.ivan);
      await expect(ivan).toContainText('Japan (JP)');
      await expect(ivan.getByText('New', { exact: true })).toHaveCount(0);
      await openHome(page);
      await expect(banner(page)).toHaveCount(0);
    });

    await test.step('the incident links to the user’s last logins', async () => {
      await openIncidents(page);
      await page.getByRole('link', { name: `Last logins of ${USERS.ivan}`, exact: true }).click();
      await expect(page).toHaveURL(/\/admin\/security\/logins\?user=ivan(@|%40)example\.test$/);
      await expect(page.getByRole('heading', { name: 'Login history', level: 1 })).toBeVisible();
      await expect(page.getByLabel("User's address")).toHaveValue(USERS.ivan);
      await expect(page.getByRole('heading', { name: `Last logins of ${USERS.ivan}`, level: 2 })).toBeVisible();
      await expect(page.getByRole('heading', { name: `IPs marked safe for ${USERS.ivan}`, level: 2 })).toBeVisible();
      await expect(page.getByText('No IPs are marked safe.', { exact: true })).toBeVisible();
      await expect(loginRow(page, JAPAN)).toContainText('Japan (JP)');
      await page.waitForSelector('body[data-hydrated]');
    });

    await test.step('a description of one character is refused; Escape closes the dialog', async () => {
      await markSafeButton(page, JAPAN).click();
      const d = dialog(page);
      await expect(d).toBeVisible();
      await expect(d).toContainText(`IP address: ${JAPAN}`);
      const why = d.getByLabel('Why do you trust this IP?');
      await expect(why).toBeFocused();
      const range = d.getByLabel('Range', { exact: true });
      await expect(range.locator('option').first()).toHaveText(`Only ${JAPAN}`);
      await expect(range.locator('option', { hasText: '/24: 133.242.0.0/24 (256 addresses)' })).toHaveAttribute('value', '24');
      await expect(range.locator('option', { hasText: '/22: 133.242.0.0/22 (1024 addresses)' })).toHaveAttribute('value', '22');
      await expect(range.locator('option', { hasText: '/17: 133.242.0.0/17 (32768 addresses)' })).toHaveAttribute('value', '17');
      await why.fill('x');
      await d.getByRole('button', { name: 'Mark as safe', exact: true }).click();
      await expect(d.getByText('Say why you trust this IP, in at least 2 characters.', { exact: true })).toBeVisible();
      await expect(why).toHaveAttribute('aria-invalid', 'true');
      await page.keyboard.press('Escape');
      await expect(d).toHaveCount(0);
      await expect(loginRow(page, JAPAN).getByText(/Marked safe/)).toHaveCount(0);
    });

    await test.step('Japan’s /22 is marked safe for ivan', async () => {
      await markSafeButton(page, JAPAN).click();
      const d = dialog(page);
      const why = d.getByLabel('Why do you trust this IP?');
      await expect(why).toBeFocused();
      // A fresh dialog: the last one's message is gone.
      await expect(d.getByText('Say why you trust this IP', { exact: false })).toHaveCount(0);
      await why.fill('Office in Tokyo');
      await d.getByLabel('Range', { exact: true }).selectOption('22');
      await expectAccessible(page);
      await d.getByRole('button', { name: 'Mark as safe', exact: true }).click();
      await expect(d).toHaveCount(0);
      const japan = loginRow(page, JAPAN);
      await expect(japan.getByText('Marked safe (133.242.0.0/22)', { exact: true })).toBeVisible();
      await expect(japan.getByRole('button', { name: /Mark as safe/ })).toHaveCount(0);
      await expect(trustedTable(page).getByRole('columnheader')).toHaveText(['IP range', 'Why', 'Marked', 'Actions']);
      const trusted = trustedRow(page, '133.242.0.0/22');
      await expect(trusted).toHaveCount(1);
      await expect(trusted).toContainText('Office in Tokyo');
      await expect(trusted).toContainText(MASTER);
      // Germany is not in Japan's range.
      await expect(markSafeButton(page, GERMANY)).toBeVisible();
    });

    await test.step('by keyboard: Tab to Brazil’s “Mark as safe”, Enter opens the dialog', async () => {
      // Newest first: ivan's browser sign-in (loopback) of the first test, then Brazil.
      await loginTable(page).getByRole('button', { name: /^Mark as safe 127\.0\.0\.1 at / }).first().focus();
      await page.keyboard.press('Tab');
      await expect(markSafeButton(page, BRAZIL)).toBeFocused();
      await page.keyboard.press('Enter');
      const d = dialog(page);
      await expect(d).toContainText(`IP address: ${BRAZIL}`);
      await expect(d.getByLabel('Why do you trust this IP?')).toBeFocused();
      await page.keyboard.type('Family in Brazil');
      await d.getByLabel('Range', { exact: true }).selectOption({ label: `Only ${BRAZIL}` });
      await expect(d.getByLabel('Range', { exact: true })).toHaveValue('32');
      await d.getByRole('button', { name: 'Mark as safe', exact: true }).click();
      await expect(d).toHaveCount(0);
      await expect(loginRow(page, BRAZIL).getByText(`Marked safe (${BRAZIL})`, { exact: true })).toBeVisible();
      await expect(trustedRow(page, BRAZIL)).toContainText('Family in Brazil');
    });

    await test.step('with Japan and Brazil safe, only Germany counts: no incident', async () => {
      await openIncidents(page);
      await expect(
        page.getByText('No security incidents: every user signed in from one country in the last 24 hours.', { exact: true }),
      ).toBeVisible();
    });
  });

  test('a domain admin lists the IPs marked safe in the domain and removes one', async ({ page }) => {
    await signIn(page, USERS.dora);
    await nav(page).getByRole('link', { name: 'User trusted login IPs', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'User trusted login IPs', level: 1 })).toBeVisible();
    await page.waitForSelector('body[data-hydrated]');
    const domain = page.getByLabel('Domain', { exact: true });
    await expect(domain.locator('option').first()).toHaveText('Choose a domain');
    await domain.selectOption({ label: 'example.test' });
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page).toHaveURL(/\/admin\/security\/trusted-ips\?domain=\d+(&|$)/);
    await expect(page.getByRole('heading', { name: 'Marked safe in example.test', level: 2 })).toBeVisible();

    await expect(trustedTable(page).getByRole('columnheader')).toHaveText(['User', 'IP range', 'Why', 'Marked', 'Actions']);
    const japan = trustedRow(page, '133.242.0.0/22');
    const brazil = trustedRow(page, BRAZIL);
    await expect(japan).toContainText(USERS.ivan);
    await expect(japan).toContainText('Office in Tokyo');
    await expect(brazil).toContainText(USERS.ivan);
    await expect(brazil).toContainText('Family in Brazil');
    await expectAccessible(page);

    await test.step('Remove asks first; Cancel keeps the range', async () => {
      await brazil.getByRole('button', { name: `Remove ${BRAZIL} for ${USERS.ivan}`, exact: true }).click();
      await expect(
        brazil.getByText(
          `Remove ${BRAZIL} from the IPs marked safe for ${USERS.ivan}? Its logins will count toward incidents again.`,
          { exact: true },
        ),
      ).toBeVisible();
      await brazil.getByRole('button', { name: 'Cancel', exact: true }).click();
      await expect(brazil.getByRole('button', { name: `Remove ${BRAZIL} for ${USERS.ivan}`, exact: true })).toBeVisible();
    });

    await test.step('Remove, confirmed, takes Brazil off the list', async () => {
      await brazil.getByRole('button', { name: `Remove ${BRAZIL} for ${USERS.ivan}`, exact: true }).click();
      await expectAccessible(page);
      await brazil.getByRole('button', { name: `Remove ${BRAZIL}`, exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: 'The IP range was removed.' })).toBeVisible();
      await expect(brazil).toHaveCount(0);
      await expect(japan).toContainText('Office in Tokyo');
    });

    await test.step('ivan is an incident again: Germany and Brazil count, Japan does not', async () => {
      await openIncidents(page);
      const ivan = incidentRow(page, USERS.ivan);
      await expect(ivan).toHaveCount(1);
      await expect(ivan).toContainText('2:');
      await expect(ivan).toContainText('Brazil (BR)');
      await expect(ivan).toContainText('Germany (DE)');
      await expect(ivan).not.toContainText('Japan (JP)');
      // Dora has not opened the list before: new to her.
      await expect(ivan.getByText('New', { exact: true })).toBeVisible();
      await expectAccessible(page);
    });
  });

  test('the home banner returns only with a login newer than the admin’s last look', async ({ page, request }) => {
    await signIn(page, MASTER);
    // Ivan is an incident again, but its logins are older than the master admin's last look.
    await openHome(page);
    await expect(banner(page)).toHaveCount(0);

    expect(await mailLogin(request, USERS.ivan, GOOD_PASSWORD, { clientIp: GERMANY })).toBe('OK');
    await openHome(page);
    await expect(banner(page)).toBeVisible();
    await banner(page).click();
    const ivan = incidentRow(page, USERS.ivan);
    await expect(ivan.getByText('New', { exact: true })).toBeVisible();
    await expect(ivan).toContainText('2:');
  });
  test('a login from a new country is told by mail and listed among the security changes', async ({ page }) => {
    const notices = () => outboxTo(USERS.ivan).filter((m) => m.includes(`Subject: ${NEW_COUNTRY}`));

    await test.step('the notices name Japan and Brazil, not Germany (the first country), and link to the account', async () => {
      await expect.poll(() => notices().some((m) => m.includes(`Where:    ${JAPAN} (Japan (JP))`))).toBe(true);
      await expect.poll(() => notices().some((m) => m.includes(`Where:    ${BRAZIL} (Brazil (BR))`))).toBe(true);
      for (const m of notices()) {
        expect(m).toContain('http://localhost:3100/account/password');
        expect(m).toContain('http://localhost:3100/account/sessions');
        expect(m).toContain('http://localhost:3100/account/security');
        expect(m).not.toContain('Germany (DE)');
      }
    });

    await test.step('ivan’s Security page lists the logins from new countries', async () => {
      await signIn(page, USERS.ivan);
      await open(page, '/account/security');
      await expect(page.getByRole('heading', { name: 'Security changes', level: 2 })).toBeVisible();
      const changes = page.getByRole('table', { name: 'Security changes, newest first', exact: true });
      await expect(changes.getByRole('columnheader')).toHaveText(['When', 'What', 'Detail', 'From']);
      const rows = changes.getByRole('row').filter({ hasText: 'Login from new country' });
      await expect(rows.filter({ hasText: 'Japan (JP)' })).toContainText(JAPAN);
      await expect(rows.filter({ hasText: 'Brazil (BR)' })).toContainText(BRAZIL);
      await expect(rows.filter({ hasText: 'Germany (DE)' })).toHaveCount(0);
      await expectAccessible(page);
    });
  });

  // Last: it marks another address in Brazil safe for ivan.
  test('a domain admin searches a blocked IP and marks it safe for a user, which lifts the block', async ({
    page,
    request,
  }) => {
    // POP3: the login check answers a success of the last minute (ivan's IMAP login from
    // Germany in the test before) from its cache, without looking at IP blocks; ivan has no
    // POP3 success, so these go through the full check.
    const fromBlocked = { protocol: 'pop3', clientIp: BRAZIL_BLOCKED };

    await test.step('30 refused mail logins within a minute block the IP, even for the right password', async () => {
      for (let i = 0; i < 30; i++) {
        expect(await mailLogin(request, USERS.ivan, 'wrong password', fromBlocked)).not.toBe('OK');
      }
      expect(await mailLogin(request, USERS.ivan, GOOD_PASSWORD, fromBlocked)).not.toBe('OK');
    });

    await signIn(page, USERS.dora);
    await nav(page).getByRole('link', { name: 'User trusted login IPs', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'User trusted login IPs', level: 1 })).toBeVisible();
    await page.waitForSelector('body[data-hydrated]');
    const found = page.getByRole('region', { name: `${BRAZIL_BLOCKED} (Brazil (BR))`, exact: true });

    await test.step('the search shows the block and the throttling', async () => {
      await expect(page.getByRole('heading', { name: 'Search an IP', level: 2 })).toBeVisible();
      const search = page.getByRole('search', { name: 'Search an IP', exact: true });
      await search.getByLabel('IP address', { exact: true }).fill(BRAZIL_BLOCKED);
      await search.getByRole('button', { name: 'Search IP', exact: true }).click();
      await expect(page).toHaveURL(/\/admin\/security\/trusted-ips\?ip=200\.160\.2\.77(&=)?$/);
      await expect(page.getByRole('heading', { name: `${BRAZIL_BLOCKED} (Brazil (BR))`, level: 3 })).toBeVisible();
      const lines = found.getByRole('listitem');
      await expect(lines).toHaveCount(2);
      await expect(lines.nth(0)).toHaveText(
        /^Blocked until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: \d+ refused mail logins within 60 seconds\.$/,
      );
      // Once ivan's own count throttles him, the refusals are not failures of a password: the
      // IP's count may stay below its throttle.
      await expect(lines.nth(1)).toHaveText(
        /^(Logins from it must wait \d+ more seconds: [1-9]\d* failed logins this hour\.|[1-9]\d* failed logins this hour; not throttled\.)$/,
      );
      await expect(found.getByRole('heading', { name: 'Marked safe for', level: 4 })).toBeVisible();
      await expect(found.getByText('No IPs are marked safe.', { exact: true })).toBeVisible();
      await page.waitForSelector('body[data-hydrated]');
      await expectAccessible(page);
    });

    const form = found.getByRole('form', { name: 'Mark as safe for a user', exact: true });
    const user = form.getByLabel('User name', { exact: true });

    await test.step('a user name that does not exist is refused under the field', async () => {
      await expect(form.getByRole('heading', { name: 'Mark as safe for a user', level: 4 })).toBeVisible();
      const domain = form.getByLabel("User's domain", { exact: true });
      await expect(domain.locator('option', { hasText: 'example.test' })).toHaveCount(1);
      await domain.selectOption({ label: 'example.test' });
      const range = form.getByLabel('Range', { exact: true });
      await expect(range.locator('option').first()).toHaveText(`Only ${BRAZIL_BLOCKED}`);
      await expect(range.locator('option').first()).toHaveAttribute('value', '32');
      await expect(range.locator('option', { hasText: /^\/22: / })).toHaveAttribute('value', '22');
      await expect(range.locator('option', { hasText: /^\/17: / })).toHaveAttribute('value', '17');
      await expect(user).toHaveAccessibleDescription(/The part of the address before the @\./);
      await user.fill('nobody');
      await form.getByLabel('Why do you trust this IP?', { exact: true }).fill('Home line');
      await range.selectOption('32');
      await form.getByRole('button', { name: 'Mark as safe', exact: true }).click();
      await expect(form.getByText('nobody@example.test is not a user here.', { exact: true })).toBeVisible();
      await expect(user).toHaveAttribute('aria-invalid', 'true');
      await expect(user).toHaveAccessibleDescription(/nobody@example\.test is not a user here\./);
      await expect(found.getByRole('listitem').nth(0)).toHaveText(/^Blocked until /);
    });

    await test.step('marked safe for ivan: the block is gone and the range listed', async () => {
      await user.fill('ivan');
      await form.getByLabel('Why do you trust this IP?', { exact: true }).fill('Home line');
      await form.getByLabel('Range', { exact: true }).selectOption({ label: `Only ${BRAZIL_BLOCKED}` });
      await expect(form.getByLabel('Range', { exact: true })).toHaveValue('32');
      await form.getByRole('button', { name: 'Mark as safe', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Marked as safe.' })).toBeVisible();
      const lines = found.getByRole('listitem');
      await expect(lines.nth(0)).toHaveText('Not blocked by the mail login check.');
      await expect(lines.nth(1)).toHaveText(/^\d+ failed logins this hour; not throttled\.$/);
      const trusted = found.getByRole('table', { name: 'IPs marked safe', exact: true });
      await expect(trusted.getByRole('columnheader')).toHaveText([
        'User',
        'IP range',
        'Why',
        'Marked',
        'Actions',
      ]);
      const row = trusted.getByRole('row').filter({ hasText: BRAZIL_BLOCKED });
      await expect(row).toHaveCount(1);
      await expect(row).toContainText(USERS.ivan);
      await expect(row).toContainText('Home line');
      await expect(row).toContainText(USERS.dora);
      await expectAccessible(page);
    });

    await test.step('ivan’s right password from the IP is taken again', async () => {
      expect(await mailLogin(request, USERS.ivan, GOOD_PASSWORD, fromBlocked)).toBe('OK');
    });
  });
});
