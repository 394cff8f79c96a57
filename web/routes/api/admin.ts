/**
 * Role-gated API: `/admin/users` (admin: list accounts, set scopes) and `/review/maps` (verifier: the unverified
 * maps waiting for review). The gates are web/middleware/scopes.ts `requireScope`.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Db } from "../../db/db_types.ts";
import { type Account, listAccounts, SCOPES, setScopes } from "../../lib/accounts/user_queries.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { currentUser } from "../../lib/auth.ts";
import { ConflictError, NotFoundError } from "../../lib/errors.ts";
import { validate } from "../../lib/validate.ts";
import { requireScope } from "../../middleware/scopes.ts";

const accountView = (a: Account) => ({
  id: a.id,
  email: a.email,
  displayName: a.displayName,
  emailVerified: a.emailVerifiedAt !== null,
  scopes: a.scopes,
  plan: a.plan,
  createdAt: a.createdAt,
});

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: z.coerce.date().optional(),
});

/** Routes under /api/v1/admin (admin only). */
export const adminRoutes = new Hono<AppEnv>()
  .use("*", requireScope("admin"))
  .get("/users", validate("query", listQuery), async (c) => {
    const { limit, before } = c.req.valid("query");
    const users = await listAccounts(c.var.deps.sql, { limit, before });
    const next = users.length === limit ? users[users.length - 1].createdAt.toISOString() : null;
    return c.json({ users: users.map(accountView), nextBefore: next });
  })
  .patch(
    "/users/:id/scopes",
    validate("param", z.object({ id: z.string().uuid() })),
    validate("json", z.object({ scopes: z.array(z.enum(SCOPES)).max(SCOPES.length) })),
    async (c) => {
      const { id } = c.req.valid("param");
      const { scopes } = c.req.valid("json");
      if (id === currentUser(c).id && !scopes.includes("admin")) {
        throw new ConflictError("You cannot remove your own admin role.", { hint: "Ask another admin to do it." });
      }
      const account = await setScopes(c.var.deps.sql, id, scopes);
      if (!account || account.isGuest) throw new NotFoundError("user");
      return c.json({ user: accountView(account) });
    },
  );

/** Unverified maps, newest first: what verifiers review. */
async function listUnverifiedMaps(db: Db, limit: number) {
  const rows = await db`select m.id, m.song_id, s.title, s.artist, m.created_at from maps m
    join songs s on s.id = m.song_id where m.status = 'unverified' order by m.created_at desc limit ${limit}`;
  return rows.map((r) => ({
    mapId: r.id,
    songId: r.song_id,
    title: r.title,
    artist: r.artist,
    createdAt: r.created_at,
  }));
}

/** Routes under /api/v1/review (verifier or admin). */
export const reviewRoutes = new Hono<AppEnv>()
  .use("*", requireScope("verifier"))
  .get("/maps", validate("query", listQuery.pick({ limit: true })), async (c) => {
    return c.json({ maps: await listUnverifiedMaps(c.var.deps.sql, c.req.valid("query").limit) });
  });
