// Every signed-in screen on a phone-sized viewport: nothing wider than the screen, and
// still no accessibility violations.
import { expect, test } from '@playwright/test';
import { expectAccessible, GOOD_PASSWORD, open, signIn } from './helpers';

const SCREENS = [
  ['/account', 'Your account'],
  ['/account/password', 'Change password'],
  ['/account/recovery-email', 'Recovery email'],
  ['/account/sessions', 'Your sessions'],
  ['/admin/domains', 'Domains'],
  ['/admin/audit', 'Audit log'],
];

test('every screen fits a phone', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, 'admin@example.test', GOOD_PASSWORD);
  for (const [path, heading] of SCREENS) {
    await test.step(path, async () => {
      await open(page, path);
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} is wider than the screen`).toBeLessThanOrEqual(0);
      await expectAccessible(page);
    });
  }
});
