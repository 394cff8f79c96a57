/** `GET /api/v1/me/quota`: the signed-in user's plan and AI runs this month. */
import { Hono } from "hono";
import type { AppEnv } from "../../lib/app_env.ts";
import { currentUser } from "../../lib/auth.ts";
import { getQuota } from "../../lib/quota.ts";

/** Routes under /api/v1/me (signed-in users). */
export const quotaRoutes = new Hono<AppEnv>()
  .get("/quota", async (c) => {
    const { sql, config } = c.var.deps;
    return c.json(await getQuota(sql, config, currentUser(c).id));
  });
