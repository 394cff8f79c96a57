import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { signSession } from "../../lib/auth.ts";
import { createAccount, type Scope, setScopes } from "../../lib/accounts/user_queries.ts";
import { guest, json, startHarness } from "../../lib/test_harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "authorization - anonymous, expired, tampered, guest and each role against user/verifier/admin endpoints",
  ...opts,
  fn: async () => {
    const h = await startHarness();
    try {
      const secret = h.deps.config.sessionSecret;
      const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
      const tokenFor = async (scopes: Scope[]) => {
        const a = await createAccount(h.deps.sql, {
          email: `${crypto.randomUUID()}@example.com`,
          displayName: "A",
          passwordHash: null,
          emailVerified: true,
        });
        const acc = (await setScopes(h.deps.sql, a!.id, scopes))!;
        const user = { id: acc.id, displayName: "A", role: "user", isGuest: false, scopes, emailVerified: true };
        return { id: acc.id, token: await signSession({ ...user, plan: "free" }, secret, 900) };
      };
      const g = await guest(h.app);
      const plain = await tokenFor([]);
      const fixer = await tokenFor(["fixer"]);
      const verifier = await tokenFor(["verifier"]);
      const curator = await tokenFor(["curator"]);
      const admin = await tokenFor(["admin"]);
      const expired = await new SignJWT({ name: "A", role: "user", guest: false, scopes: ["admin"] })
        .setProtectedHeader({ alg: "HS256" }).setSubject(admin.id).setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(secret));
      // A verifier token edited to claim admin: the signature no longer matches.
      const [head, , sig] = verifier.token.split(".");
      const claims = JSON.parse(atob(verifier.token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      const forgedBody = btoa(JSON.stringify({ ...claims, scopes: ["admin"] })).replace(/=+$/, "")
        .replace(/\+/g, "-").replace(/\//g, "_");
      const tampered = `${head}.${forgedBody}.${sig}`;
      const wrongKey = await signSession({
        id: admin.id,
        displayName: "A",
        role: "user",
        isGuest: false,
        scopes: ["admin"],
      }, "x".repeat(40));

      const callers: Record<string, Record<string, string>> = {
        anonymous: { "content-type": "application/json" },
        expired: bearer(expired),
        tampered: bearer(tampered),
        wrongKey: bearer(wrongKey),
        guest: g.headers,
        plain: bearer(plain.token),
        fixer: bearer(fixer.token),
        verifier: bearer(verifier.token),
        curator: bearer(curator.token),
        admin: bearer(admin.token),
      };
      const endpoints: Record<string, (hd: Record<string, string>) => Promise<Response>> = {
        "user: GET /jobs": (hd) => Promise.resolve(h.app.request("/api/v1/jobs", { headers: hd })),
        "account: POST /account/signout-everywhere": (hd) =>
          Promise.resolve(h.app.request("/api/v1/account/signout-everywhere", { method: "POST", headers: hd })),
        "verifier: GET /review/maps": (hd) => Promise.resolve(h.app.request("/api/v1/review/maps", { headers: hd })),
        "admin: GET /admin/users": (hd) => Promise.resolve(h.app.request("/api/v1/admin/users", { headers: hd })),
        "admin: PATCH /admin/users/:id/scopes": (hd) =>
          Promise.resolve(
            h.app.request(`/api/v1/admin/users/${fixer.id}/scopes`, json("PATCH", hd, { scopes: ["fixer"] })),
          ),
      };
      const expected: Record<string, number[]> = {
        //                         user account verifier admin adminPatch
        anonymous: [401, 401, 401, 401, 401],
        expired: [401, 401, 401, 401, 401],
        tampered: [401, 401, 401, 401, 401],
        wrongKey: [401, 401, 401, 401, 401],
        guest: [200, 403, 403, 403, 403],
        plain: [200, 200, 403, 403, 403],
        fixer: [200, 200, 403, 403, 403],
        verifier: [200, 200, 200, 403, 403],
        curator: [200, 200, 403, 403, 403],
        admin: [200, 200, 200, 200, 200],
      };
      const actual: Record<string, number[]> = {};
      for (const [name, headers] of Object.entries(callers)) {
        actual[name] = [];
        for (const call of Object.values(endpoints)) actual[name].push((await call(headers)).status);
      }
      assert.deepEqual(actual, expected);

      const forbidden = await h.app.request("/api/v1/admin/users", { headers: callers.verifier });
      assert.match((await forbidden.json()).error.message, /needs the admin role/);
      const list = await (await h.app.request("/api/v1/admin/users", { headers: callers.admin })).json();
      assert.equal(list.users.length, 5, "accounts only, no guests");
      const bad = await h.app.request(
        `/api/v1/admin/users/${fixer.id}/scopes`,
        json("PATCH", callers.admin, { scopes: ["wizard"] }),
      );
      assert.equal(bad.status, 400);
      const set = await h.app.request(
        `/api/v1/admin/users/${plain.id}/scopes`,
        json("PATCH", callers.admin, { scopes: ["verifier"] }),
      );
      assert.deepEqual((await set.json()).user.scopes, ["verifier"]);
      const self = await h.app.request(
        `/api/v1/admin/users/${admin.id}/scopes`,
        json("PATCH", callers.admin, { scopes: [] }),
      );
      assert.equal(self.status, 409, "an admin cannot lock themselves out");
      const ghost = await h.app.request(
        `/api/v1/admin/users/${g.userId}/scopes`,
        json("PATCH", callers.admin, { scopes: ["fixer"] }),
      );
      assert.equal(ghost.status, 404, "guests get no roles");
    } finally {
      await h.close();
    }
  },
});
