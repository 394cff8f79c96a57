import assert from "node:assert/strict";
import { findOrCreateUnverifiedMap } from "../db/maps.ts";
import { linkIn, TestAgent, waitForMail } from "../lib/accounts/test_agent.ts";
import { guest, type Harness, type HarnessOptions, seedReadySong, startHarness } from "../lib/test_harness.ts";

/** One accounts test on a fresh harness (closed afterwards, pass or fail). */
function accountsTest(name: string, ...args: [HarnessOptions, TestBody] | [TestBody]) {
  const [options, body] = args.length === 2 ? args : [{}, args[0]];
  Deno.test({
    name: `accounts - ${name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const h = await startHarness(options);
      try {
        await body(h);
      } finally {
        await h.close();
      }
    },
  });
}
type TestBody = (h: Harness) => Promise<void>;
const PASSWORD = "drum-and-bass-99";
// Sign-in rate limits live in the shared Redis for 15 minutes, so every run uses fresh addresses.
const RUN = crypto.randomUUID().slice(0, 8);
const addr = (name: string) => `${name}-${RUN}@example.com`;

accountsTest("sign up mails a verify link that works once; sign out; sign in; forms need CSRF", async (h) => {
  const a = new TestAgent(h.app);
  const signup = await a.page("/signup");
  assert.equal(signup.status, 200);
  assert.match(signup.html, /data-testid="signup-email"/);
  assert.doesNotMatch(signup.html, /<script/, "no JavaScript on account pages");

  const noToken = await a.form("/signup", {
    _csrf: "",
    email: addr("ann"),
    password: PASSWORD,
    displayName: "Ann",
  });
  assert.equal(noToken.status, 403);
  assert.match(noToken.headers.get("content-type") ?? "", /text\/html/, "a person sees a page, not JSON");
  const refusedHtml = await noToken.text();
  assert.match(refusedHtml, /security token is missing or stale/);
  assert.match(refusedHtml, /Reload the page and try again/);

  const bad = await a.form("/signup", { email: "not-an-email", password: "short", displayName: "Ann" });
  assert.equal(bad.status, 400);
  const badHtml = await bad.text();
  assert.match(badHtml, /Email must be an email address/);
  assert.match(badHtml, /Password must be at least 10 characters/);
  assert.match(badHtml, /value="Ann"/, "typed values are kept");

  const res = await a.form("/signup", {
    email: addr("Ann").replace("example", "Example"),
    password: PASSWORD,
    displayName: "Ann",
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/account?welcome=1");
  assert.ok(a.jar.has("bs_session") && a.jar.has("bs_refresh"));
  const account = await a.page("/account");
  assert.match(account.html, /data-testid="email-verified">Not yet/);
  assert.match(account.html, /data-testid="account-menu"[^]*Ann/);

  const [mail] = await waitForMail(h.mail.messages, 1);
  assert.deepEqual(mail.to.map((t) => t.toLowerCase()), [addr("ann")]);
  assert.match(mail.subject, /Confirm your email/);
  const link = linkIn(mail.text, "/verify-email");
  const first = await a.page(link);
  assert.equal(first.status, 200);
  assert.match(first.html, /is confirmed/);
  assert.match((await a.page("/account")).html, /data-testid="email-verified">Yes/);
  const again = await a.page(link);
  assert.equal(again.status, 400, "a verify link works once");
  assert.match(again.html, /not valid any more/);

  const other = new TestAgent(h.app);
  await other.page("/signup");
  const taken = await other.form("/signup", { email: addr("ann"), password: PASSWORD, displayName: "A2" });
  assert.equal(taken.status, 409, "emails are unique ignoring case");

  const out = await a.form("/signout", {});
  assert.equal(out.status, 303);
  assert.ok(!a.jar.has("bs_session") && !a.jar.has("bs_refresh"));
  assert.equal((await a.request("/api/v1/account/me")).status, 401);

  await a.page("/signin");
  const wrong = await a.form("/signin", { email: addr("ann"), password: "wrong-password" });
  assert.equal(wrong.status, 401);
  assert.match(await wrong.text(), /The email or password is wrong\./);
  const nobody = await a.form("/signin", { email: addr("nobody"), password: PASSWORD });
  assert.match(await nobody.text(), /The email or password is wrong\./, "same message for unknown emails");
  const ok = await a.form("/signin?next=/account", { email: addr("ANN"), password: PASSWORD });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/account");
  const me = await (await a.request("/api/v1/account/me")).json();
  assert.equal(me.account.email, addr("Ann").replace("example", "Example"));
  assert.equal(me.account.emailVerified, true);
  const offsite = await a.form("/signin?next=//evil.example", { email: addr("ann"), password: PASSWORD });
  assert.equal(offsite.headers.get("location"), "/", "next never leaves the site");
});

accountsTest("password reset by email: once, signs out other sessions; unknown emails look the same", async (h) => {
  const a = new TestAgent(h.app);
  await a.page("/signup");
  await a.form("/signup", { email: addr("bo"), password: PASSWORD, displayName: "Bo" });
  const other = new TestAgent(h.app);
  await other.page("/signin");
  assert.equal((await other.form("/signin", { email: addr("bo"), password: PASSWORD })).status, 303);

  const anon = new TestAgent(h.app);
  await anon.page("/forgot-password");
  const unknown = await anon.form("/forgot-password", { email: addr("ghost") });
  const known = await anon.form("/forgot-password", { email: addr("bo") });
  assert.equal(unknown.status, 303);
  assert.equal(known.headers.get("location"), unknown.headers.get("location"));
  const mails = await waitForMail(h.mail.messages, 2);
  assert.equal(mails.length, 2, "verification + one reset; nothing for the unknown email");
  const link = linkIn(mails[1].text, "/reset-password");
  const form = await anon.page(link);
  assert.equal(form.status, 200);
  const token = new URL(link, "http://x").searchParams.get("token")!;
  const weak = await anon.form("/reset-password", { token, password: "short" });
  assert.equal(weak.status, 400);
  const done = await anon.form("/reset-password", { token, password: "a-new-password-42" });
  assert.equal(done.status, 303);
  assert.equal((await anon.page(link)).status, 400, "reset links work once");

  // The other device's refresh token no longer works once its access token is gone.
  other.jar.delete("bs_session");
  assert.equal((await other.request("/api/v1/account/me")).status, 401);
  const signin = new TestAgent(h.app);
  await signin.page("/signin");
  assert.equal((await signin.form("/signin", { email: addr("bo"), password: PASSWORD })).status, 401);
  assert.equal(
    (await signin.form("/signin", { email: addr("bo"), password: "a-new-password-42" })).status,
    303,
  );
});

accountsTest("sign-in attempts are rate limited per email and IP with Retry-After", {
  env: { SIGNIN_ATTEMPTS_PER_15_MIN: "3" },
}, async (h) => {
  const a = new TestAgent(h.app);
  await a.page("/signin");
  const email = `rl-${crypto.randomUUID()}@example.com`;
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await a.form("/signin", { email, password: "whatever-123" })).status);
  assert.deepEqual(statuses, [401, 401, 401, 429]);
  const limited = await a.form("/signin", { email, password: "whatever-123" });
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
  assert.match(await limited.text(), /Too many sign-in attempts/);
  const otherEmail = await a.form("/signin", { email: `x-${email}`, password: "whatever-123" });
  assert.equal(otherEmail.status, 401, "another email is counted separately");
});

accountsTest("refresh tokens rotate; reusing an old one revokes the family; sign out everywhere", async (h) => {
  const a = new TestAgent(h.app);
  await a.page("/signup");
  await a.form("/signup", { email: addr("cy"), password: PASSWORD, displayName: "Cy" });
  const firstRefresh = a.jar.get("bs_refresh")!;
  a.jar.delete("bs_session"); // as if the 15-minute access token expired
  assert.equal((await a.request("/api/v1/account/me")).status, 200, "refreshed transparently");
  const secondRefresh = a.jar.get("bs_refresh")!;
  assert.notEqual(secondRefresh, firstRefresh, "rotated");
  assert.ok(a.jar.get("bs_session"));

  // Within the grace period the previous token still yields an access token (racing requests) ...
  const racer = new TestAgent(h.app);
  racer.jar.set("bs_refresh", firstRefresh);
  assert.equal((await racer.request("/api/v1/account/me")).status, 200);
  assert.equal(racer.jar.get("bs_refresh"), firstRefresh, "but no new refresh token");
  // ... after it, the same reuse revokes the family: the thief and the owner are both signed out.
  await h.deps.sql`update sessions set rotated_at = now() - interval '1 hour'`;
  const thief = new TestAgent(h.app);
  thief.jar.set("bs_refresh", firstRefresh);
  assert.equal((await thief.request("/api/v1/account/me")).status, 401);
  const [row] = await h.deps.sql`select revoked_reason from sessions`;
  assert.equal(row.revoked_reason, "refresh token reused");
  a.jar.delete("bs_session");
  assert.equal((await a.request("/api/v1/account/me")).status, 401, "the family is gone for everyone");

  const b1 = new TestAgent(h.app);
  const b2 = new TestAgent(h.app);
  for (const b of [b1, b2]) {
    await b.page("/signin");
    assert.equal((await b.form("/signin", { email: addr("cy"), password: PASSWORD })).status, 303);
  }
  await b1.page("/account");
  const all = await b1.request("/api/v1/account/signout-everywhere", {
    method: "POST",
    headers: { "x-csrf-token": b1.csrf },
  });
  assert.equal(all.status, 200);
  assert.equal((await all.json()).revoked, 2);
  b2.jar.delete("bs_session");
  assert.equal((await b2.request("/api/v1/account/me")).status, 401);
  const noCsrf = await b2.request("/api/v1/account/signout", { method: "POST" });
  assert.equal(noCsrf.status, 200, "no session cookie left, so nothing to protect");
});

accountsTest("a guest who signs up keeps their songs; a guest who signs in hands them over", async (h) => {
  const a = new TestAgent(h.app);
  await a.page("/signup");
  const guestRes = await a.request("/api/v1/sessions/guest", { method: "POST" });
  const guestId = (await guestRes.json()).user.id;
  const songId = await seedReadySong(h, guestId);
  const noCsrf = await a.request("/api/v1/jobs", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "generate_map", songId }),
  });
  assert.equal(noCsrf.status, 403, "cookie-authenticated API calls need the CSRF header");
  await a.form("/signup", { email: addr("dee"), password: PASSWORD, displayName: "Dee" });
  const me = await (await a.request("/api/v1/account/me")).json();
  assert.equal(me.user.id, guestId, "the guest row became the account");
  assert.equal(me.user.isGuest, false);
  assert.equal((await a.request(`/api/v1/songs/${songId}`)).status, 200);

  const g2 = await guest(h.app);
  const song2 = await seedReadySong(h, g2.userId);
  const map2 = await findOrCreateUnverifiedMap(h.deps.sql, song2);
  await h.deps.sql`insert into saved_maps (user_id, map_id) values (${g2.userId}, ${map2.id})`;
  const [job2] = await h.deps.sql`insert into ai_jobs (user_id, song_id, type, status, trace_id)
    values (${g2.userId}, ${song2}, 'generate_map', 'failed', 't') returning id`;
  await h.deps
    .sql`insert into ai_run_ledger (user_id, job_id, period) values (${g2.userId}, ${job2.id}, '2026-11-01')`;
  await h.deps.sql`insert into notifications (user_id, kind, job_id, message, url)
    values (${g2.userId}, 'job_failed', ${job2.id}, 'x', '/jobs/x')`;
  const b = new TestAgent(h.app);
  b.jar.set("bs_session", g2.headers.authorization.slice("Bearer ".length));
  await b.page("/signin");
  assert.equal((await b.form("/signin", { email: addr("dee"), password: PASSWORD })).status, 303);
  const [owner] = await h.deps.sql`select owner_id from songs where id = ${song2}`;
  assert.equal(owner.owner_id, guestId);
  for (const table of ["saved_maps", "ai_run_ledger", "notifications"]) {
    const rows = await h.deps.sql`select user_id from ${h.deps.sql(table)} where user_id in (${g2.userId}, ${guestId})`;
    assert.deepEqual(rows.map((r) => r.user_id), [guestId], `${table} moved to the account`);
  }
});

accountsTest(
  "the admin page is for admins only and sets roles with a form",
  { env: { ADMIN_EMAILS: addr("boss") } },
  async (h) => {
    const boss = new TestAgent(h.app);
    await boss.page("/signup");
    await boss.form("/signup", { email: addr("boss"), password: PASSWORD, displayName: "Boss" });
    const plain = new TestAgent(h.app);
    await plain.page("/signup");
    await plain.form("/signup", { email: addr("pat"), password: PASSWORD, displayName: "Pat" });
    assert.equal((await plain.page("/admin/users")).status, 403);
    assert.equal((await new TestAgent(h.app).page("/admin/users")).status, 401);
    assert.equal((await boss.page("/admin/users")).status, 403, "not admin until the email is confirmed");

    const [bossMail] = (await waitForMail(h.mail.messages, 2)).filter((m) => m.to[0].startsWith("boss"));
    await boss.page(linkIn(bossMail.text, "/verify-email"));
    const admin = await boss.page("/admin/users");
    assert.equal(admin.status, 200, "ADMIN_EMAILS get admin once verified");
    assert.match(admin.html, /data-testid="admin-users"/);
    const [pat] = await h.deps.sql`select id from users where email = ${addr("pat")}`;
    const body = new URLSearchParams([["_csrf", boss.csrf], ["scopes", "fixer"], ["scopes", "verifier"]]);
    const saved = await boss.request(`/admin/users/${pat.id}/scopes`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    assert.equal(saved.status, 303);
    const [row] = await h.deps.sql`select scopes from users where id = ${pat.id}`;
    assert.deepEqual(row.scopes, ["fixer", "verifier"]);
    // Pat's new role arrives with the next refresh of the session.
    plain.jar.delete("bs_session");
    assert.equal((await plain.request("/api/v1/review/maps")).status, 200);
  },
);

accountsTest(
  "the name is editable on the account page: checked, kept on error, shown at once in the menu",
  async (h) => {
    const a = new TestAgent(h.app);
    await a.page("/signup");
    await a.form("/signup", { email: addr("rename"), password: PASSWORD, displayName: "Sam" });
    const page = await a.page("/account");
    assert.match(page.html, /data-testid="rename-input"[^>]*value="Sam"|value="Sam"[^>]*data-testid="rename-input"/);

    const empty = await a.form("/account/name", { displayName: "   " });
    assert.equal(empty.status, 400);
    assert.match(await empty.text(), /Name is required/);
    const long = await a.form("/account/name", { displayName: "x".repeat(61) });
    assert.equal(long.status, 400);
    const longHtml = await long.text();
    assert.match(longHtml, /Name must be at most 60 characters/);
    assert.match(longHtml, new RegExp(`value="${"x".repeat(61)}"`), "the typed value is kept");
    assert.match((await a.page("/account")).html, /<h1>Sam<\/h1>/, "nothing changed");

    const ok = await a.form("/account/name", { displayName: "  Sam the Snare  " });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get("location"), "/account?renamed=1");
    const after = await a.page("/account?renamed=1");
    assert.match(after.html, /Your name is now Sam the Snare\./);
    const menu = after.html.match(/data-testid="account-menu"[^]*?<\/nav>/)?.[0] ?? "";
    assert.match(menu, /Sam the Snare/, "the session (account menu) shows the new name at once");

    const g = await guest(h.app);
    const refused = await h.app.request("/account/name", {
      method: "POST",
      headers: { authorization: g.headers.authorization, "content-type": "application/x-www-form-urlencoded" },
      body: "displayName=Intruder",
    });
    assert.equal(refused.status, 403, "a guest has no account to rename");
    assert.match(await refused.text(), /This needs an account/);
  },
);
