/** `POST /uploads`: validates the declared file and returns a presigned PUT. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../lib/app_env.ts";
import { currentUser } from "../../lib/auth.ts";
import { createUpload } from "../../lib/intake.ts";
import { validate } from "../../lib/validate.ts";

const uploadSchema = z.object({
  filename: z.string().trim().min(1).max(255),
  contentType: z.string().trim().min(1).max(100),
  sizeBytes: z.number().int().nonnegative(),
});

/** Routes under /api/v1/uploads (signed-in users). */
export const uploadRoutes = new Hono<AppEnv>()
  .post("/", validate("json", uploadSchema), async (c) => {
    const ticket = await createUpload(c.var.deps, currentUser(c).id, c.req.valid("json"));
    return c.json(ticket, 201);
  });
