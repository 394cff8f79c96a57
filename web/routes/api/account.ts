/**
 * The signed-in account over the API: `GET /account/me` (session user plus account details for registered users),
 * `POST /account/signout` (this session) and `POST /account/signout-everywhere` (every session of the account).
 */
import { Hono } from "hono";
import { revokeUserSessions } from "../../db/sessions.ts";
import { findAccount } from "../../lib/accounts/user_queries.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { currentUser, endSession, requireUser } from "../../lib/auth.ts";
import { requireAccount } from "../../middleware/scopes.ts";

/** Routes under /api/v1/account. */
export const accountRoutes = new Hono<AppEnv>()
  .get("/me", requireUser(), async (c) => {
    const user = currentUser(c);
    const account = user.isGuest ? null : await findAccount(c.var.deps.sql, user.id);
    return c.json({
      user,
      account: account && {
        id: account.id,
        email: account.email,
        displayName: account.displayName,
        emailVerified: account.emailVerifiedAt !== null,
        scopes: account.scopes,
        plan: account.plan,
        createdAt: account.createdAt,
      },
    });
  })
  .post("/signout", async (c) => {
    await endSession(c);
    return c.json({ signedOut: true });
  })
  .post("/signout-everywhere", requireAccount(), async (c) => {
    const revoked = await revokeUserSessions(c.var.deps.sql, currentUser(c).id, "signed out everywhere");
    await endSession(c);
    return c.json({ revoked });
  });
