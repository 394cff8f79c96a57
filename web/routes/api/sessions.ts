/** Sessions: `POST /sessions/guest` creates a guest user and signs them in; `GET /sessions/me` says who you are. */
import { Hono } from "hono";
import { createGuestUser } from "../../db/users.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { currentUser, guestSessionUser, requireUser, setSessionCookie, signSession } from "../../lib/auth.ts";

/** Routes under /api/v1/sessions. */
export const sessionRoutes = new Hono<AppEnv>()
  .post("/guest", async (c) => {
    const { sql, config } = c.var.deps;
    const name = `Guest ${crypto.randomUUID().slice(0, 6)}`;
    const row = await createGuestUser(sql, name);
    const user = guestSessionUser({ ...row, displayName: name });
    const token = await signSession(user, config.sessionSecret);
    setSessionCookie(c, token);
    return c.json({ user, token }, 201);
  })
  .get("/me", requireUser(), (c) => c.json({ user: currentUser(c) }));
