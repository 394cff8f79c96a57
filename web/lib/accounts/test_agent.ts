/**
 * Test-only: a tiny browser stand-in over `app.request` (or real HTTP): keeps cookies like a browser (expiry and
 * deletion included), reads the CSRF token from the last page, and posts forms the way the pages' forms do.
 */
import type { Hono } from "hono";
import type { AppEnv } from "../app_env.ts";

/** A cookie-keeping client. */
export class TestAgent {
  readonly jar = new Map<string, string>();
  csrf = "";

  constructor(private readonly app: Hono<AppEnv>) {}

  /** The Cookie header the jar sends. */
  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  /** Sends a request with the jar's cookies and stores the answer's cookies. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set("cookie", this.cookieHeader());
    const res = await this.app.request(path, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const gone = !value || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (gone) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** GETs a page and remembers its CSRF token; returns status and HTML. */
  async page(path: string): Promise<{ status: number; html: string; res: Response }> {
    const res = await this.request(path);
    const html = await res.text();
    const token = html.match(/name="_csrf" value="([^"]*)"/)?.[1] ??
      html.match(/name="csrf-token" content="([^"]*)"/)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, html, res };
  }

  /** POSTs a urlencoded form with the remembered CSRF token (unless `fields._csrf` is given). */
  form(path: string, fields: Record<string, string>): Promise<Response> {
    const body = new URLSearchParams({ _csrf: this.csrf, ...fields });
    return this.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
      redirect: "manual",
    });
  }
}

/** The first link in `text` whose path is `path` (e.g. "/verify-email"), as a path+query. */
export function linkIn(text: string, path: string): string {
  const m = text.match(new RegExp(`https?://[^\\s"<]+${path.replace(/\//g, "\\/")}\\?token=[A-Za-z0-9_%-]+`));
  if (!m) throw new Error(`no ${path} link in: ${text}`);
  const url = new URL(m[0]);
  return url.pathname + url.search;
}

/** Waits until `count` messages are in `messages()` [timeoutMs]. */
export async function waitForMail<T>(messages: () => T[], count: number, timeoutMs = 5000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (messages().length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} emails, got ${messages().length}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return messages();
}
