// The accounts the browser tests use, created with the real command line.
import { expect, test } from '@playwright/test';
import { DOMAIN, GOOD_PASSWORD, portalCli, ROLES, USERS } from './helpers';


test('command line: add the test domain and accounts', async () => {
  expect(portalCli(['domain', 'add', DOMAIN])).toContain(`Added the domain ${DOMAIN}.`);
  for (const [name, email] of Object.entries(USERS)) {
    const role = ROLES[name] ?? 'mailuser';
    expect(portalCli(['user', 'add', email, '--role', role], GOOD_PASSWORD + '\n')).toContain(`Added ${email}`);
  }
  // A weak password is refused with the reason.
  expect(() => portalCli(['user', 'add', `weak@${DOMAIN}`], 'qwertyuiop\n')).toThrow(/commonly used/);
});
