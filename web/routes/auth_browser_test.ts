/**
 * In headless Chromium over real HTTP: sign up with the form, read the confirmation email from the SMTP sink, open
 * its link, see the account confirmed; then sign out and back in. Screenshots go to .tmp/screenshots/auth/.
 */
import assert from "node:assert/strict";
import { launchChromium, VIEWPORTS } from "../../tests/e2e/browser.ts";
import { linkIn, waitForMail } from "../lib/accounts/test_agent.ts";
import { startHarness } from "../lib/test_harness.ts";

/** Sign-in attempts are rate limited in the shared Redis, so each run signs up a fresh address. */
const RUN = crypto.randomUUID().slice(0, 8);
const SHOTS = new URL("../../.tmp/screenshots/auth/", import.meta.url).pathname;

Deno.test({
  name: "accounts browser - sign up, confirm by the emailed link, sign out and in again",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const h = await startHarness();
    const browser = await launchChromium();
    try {
      await Deno.mkdir(SHOTS, { recursive: true });
      const web = h.deps.config.publicUrl;
      const page = await browser.newPage({ viewport: VIEWPORTS.phoneSmall });
      await page.goto(`${web}/signup`);
      await page.getByLabel("Name").fill("Robin");
      await page.getByTestId("signup-email").fill(`robin-${RUN}@example.com`);
      await page.getByTestId("signup-password").fill("paradiddle-2024");
      await page.screenshot({ path: `${SHOTS}signup-360.png`, fullPage: true });
      await page.getByTestId("signup-submit").click();
      await page.waitForURL(/\/account\?welcome=1$/);
      assert.match(await page.getByTestId("email-verified").innerText(), /Not yet/);
      assert.match(await page.getByTestId("account-menu").innerText(), /Robin/);

      const [mail] = await waitForMail(h.mail.messages, 1);
      await page.goto(`${web}${linkIn(mail.text, "/verify-email")}`);
      assert.match(await page.getByTestId("notice").innerText(), new RegExp(`robin-${RUN}@example\\.com is confirmed`));
      await page.goto(`${web}/account`);
      assert.equal(await page.getByTestId("email-verified").innerText(), "Yes");
      await page.screenshot({ path: `${SHOTS}account-360.png`, fullPage: true });

      await page.getByTestId("signout").click();
      await page.waitForURL(`${web}/`);
      await page.goto(`${web}/signin`);
      await page.getByTestId("signin-email").fill(`robin-${RUN}@example.com`);
      await page.getByTestId("signin-password").fill("paradiddle-2024");
      await page.getByTestId("signin-submit").click();
      await page.waitForURL(`${web}/`);
      const me = await page.evaluate(() => fetch("/api/v1/account/me").then((r) => r.json()));
      assert.equal(me.account.emailVerified, true);
    } finally {
      await browser.close();
      await h.close();
    }
  },
});
