import assert from "node:assert/strict";
import { startOidcIssuer } from "../../devstack/oidc_issuer.ts";
import { startHarness } from "../lib/test_harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Follows redirects by hand over real HTTP, keeping cookies per host like a browser. */
class HttpBrowser {
  jar = new Map<string, Map<string, string>>();
  async go(url: string, init: RequestInit = {}, hops = 10): Promise<{ res: Response; url: string; trail: string[] }> {
    const trail: string[] = [];
    let res: Response;
    for (;;) {
      const u = new URL(url);
      const cookies = this.jar.get(u.host) ?? new Map();
      const headers = new Headers(init.headers);
      if (cookies.size) headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
      res = await fetch(url, { ...init, headers, redirect: "manual" });
      for (const line of res.headers.getSetCookie()) {
        const [pair, ...attrs] = line.split(";");
        const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
        if (!value || attrs.some((a) => /max-age=0/i.test(a))) cookies.delete(name);
        else cookies.set(name, value);
      }
      this.jar.set(u.host, cookies);
      trail.push(`${res.status} ${u.pathname}`);
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location || --hops === 0) break;
      await res.body?.cancel();
      url = new URL(location, url).href;
      init = {};
    }
    return { res, url, trail };
  }
}

Deno.test({
  name: "oidc - login against the local issuer: code + PKCE + state + nonce, create, then link by verified email",
  ...opts,
  fn: async () => {
    const issuer = await startOidcIssuer({
      clients: [{ clientId: "beatsight", clientSecret: "s3cret", redirectUris: [] }],
      autoConsentUser: { sub: "u-1", email: "oidc@example.com", emailVerified: true, name: "Olive" },
    });
    // The harness picks the web port, so register the callback once it is known.
    const h = await startHarness({
      env: {
        OIDC_ISSUER: issuer.issuer,
        OIDC_CLIENT_ID: "beatsight",
        OIDC_CLIENT_SECRET: "s3cret",
        OIDC_NAME: "DevID",
      },
    });
    try {
      const web = h.deps.config.publicUrl;
      issuer.registerRedirectUri("beatsight", `${web}/auth/oidc/callback`);

      const b = new HttpBrowser();
      const signin = await b.go(`${web}/signin`);
      assert.match(await signin.res.text(), /Continue with DevID/);
      const login = await b.go(`${web}/auth/oidc/start`);
      // The harness mounts no home page, so the last hop is a 404 for "/"; the login is what matters.
      assert.deepEqual(login.trail.slice(0, 3), ["302 /auth/oidc/start", "302 /authorize", "303 /auth/oidc/callback"]);
      await login.res.body?.cancel();
      const me = await (await b.go(`${web}/api/v1/account/me`)).res.json();
      assert.equal(me.account.email, "oidc@example.com");
      assert.equal(me.account.emailVerified, true);
      assert.equal(me.account.displayName, "Olive");

      // A second login with the same subject lands in the same account.
      const b2 = new HttpBrowser();
      await (await b2.go(`${web}/auth/oidc/start`)).res.body?.cancel();
      assert.equal((await (await b2.go(`${web}/api/v1/account/me`)).res.json()).user.id, me.user.id);

      // A different subject with the same verified email links to that account; an unverified one is refused.
      issuer.setAutoConsentUser({ sub: "u-2", email: "OIDC@example.com", emailVerified: true });
      const b3 = new HttpBrowser();
      await (await b3.go(`${web}/auth/oidc/start`)).res.body?.cancel();
      assert.equal((await (await b3.go(`${web}/api/v1/account/me`)).res.json()).user.id, me.user.id);
      const [{ n }] = await h.deps.sql`select count(*)::int as n from identities where user_id = ${me.user.id}`;
      assert.equal(n, 2);
      issuer.setAutoConsentUser({ sub: "u-3", email: "oidc@example.com", emailVerified: false });
      const refused = await new HttpBrowser().go(`${web}/auth/oidc/start`);
      assert.equal(refused.res.status, 409);
      assert.match(await refused.res.text(), /provider has not confirmed the email/);

      // A callback with a forged state, or without the login cookie, is refused.
      issuer.setAutoConsentUser({ sub: "u-1", email: "oidc@example.com", emailVerified: true });
      const b4 = new HttpBrowser();
      const start = await b4.go(`${web}/auth/oidc/start`, {}, 2);
      const callback = new URL(start.res.headers.get("location")!);
      await start.res.body?.cancel();
      callback.searchParams.set("state", "forged");
      const forged = await b4.go(callback.href);
      assert.equal(forged.res.status, 400);
      assert.match(await forged.res.text(), /state does not match/);
      const noCookie = await new HttpBrowser().go(callback.href);
      assert.equal(noCookie.res.status, 400);
      await noCookie.res.body?.cancel();
    } finally {
      await h.close();
      await issuer.close();
    }
  },
});
