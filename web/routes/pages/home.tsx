/** `/`: catalogue search (server-rendered first page, SearchBox island for as-you-type) and the upload form. */
import { Hono } from "hono";
import { HomePage } from "../../components/Pages.tsx";
import type { AppEnv } from "../../lib/app_env.ts";
import { HttpError } from "../../lib/errors.ts";
import { cataloguePage, catalogueQuerySchema } from "../api/catalogue.ts";
import { ensureGuest, html } from "./render.tsx";

/** The home route. */
export const homeRoutes = new Hono<AppEnv>().get("/", async (c) => {
  await ensureGuest(c);
  const parsed = catalogueQuerySchema.safeParse(c.req.query());
  if (!parsed.success) throw new HttpError(400, "That search is not valid; use at most 100 characters.");
  const page = await cataloguePage(c, parsed.data);
  return await html(
    c,
    <HomePage
      maxBytes={c.var.deps.config.maxUploadBytes}
      search={{ q: parsed.data.q, verified: parsed.data.verified, ...page }}
    />,
  );
});
