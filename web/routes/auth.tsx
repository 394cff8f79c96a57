/**
 * Account pages as a Hono sub-app mounted at "/" by web/app.ts: sign up/in/out, email verification, password
 * reset, the account page, and OpenID Connect login. Forms post back here (CSRF-checked by web/middleware/csrf.ts)
 * and answer 303 on success; on a mistake the form is shown again with the message and the typed values.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ComponentChildren } from "preact";
import { emailTokenIsLive } from "../db/email_tokens.ts";
import { revokeUserSessions } from "../db/sessions.ts";
import {
  AccountPage,
  AdminUsersPage,
  type FieldErrors,
  ForgotPasswordPage,
  type FormPageProps,
  MessagePage,
  ResetPasswordPage,
  SignInPage,
  SignUpPage,
} from "../components/auth/AuthPages.tsx";
import {
  displayNameSchema,
  emailSchema,
  passwordSchema,
  requestPasswordReset,
  resetPassword,
  sendVerification,
  signInWithPassword,
  signUp,
  signUpSchema,
  verifyEmail,
} from "../lib/accounts/accounts.ts";
import { accountForIdentity, finishLogin, OIDC_COOKIE, OIDC_LOGIN_TTL_SEC, startLogin } from "../lib/accounts/oidc.ts";
import { hashToken } from "../lib/accounts/tokens.ts";
import { getQuota } from "../lib/quota.ts";
import { findAccount, listAccounts, renameAccount, SCOPES, setScopes } from "../lib/accounts/user_queries.ts";
import type { AppEnv } from "../lib/app_env.ts";
import { authenticate, endSession, refreshSessionUser, startSession } from "../lib/auth.ts";
import { HttpError } from "../lib/errors.ts";
import { html as pageHtml, pageErrors } from "./pages/render.tsx";
import { requireAccount, requireScope } from "../middleware/scopes.ts";
import { z } from "zod";

/** Account pages are never cached: they show who is signed in. */
function html(c: Context<AppEnv>, page: ComponentChildren, status: ContentfulStatusCode = 200) {
  c.header("Cache-Control", "no-store");
  return pageHtml(c, page, status);
}

/** The form fields as strings (files and repeated fields are ignored). */
async function formOf(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === "string"));
}

function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "form");
    out[field] ??= `${LABELS[field] ?? "This field"} ${issue.message}.`;
  }
  return out;
}
const LABELS: Record<string, string> = { email: "Email", password: "Password", displayName: "Name" };

/** The message of an expected (4xx) failure for the form; anything else propagates to the error page. */
function formError(error: unknown): { status: ContentfulStatusCode; message: string; headers: Record<string, string> } {
  if (!(error instanceof HttpError) || error.status >= 500) throw error;
  const message = error.hint ? `${error.message} ${error.hint}` : error.message;
  return { status: error.status as ContentfulStatusCode, message, headers: error.headers };
}

/** A same-site path to continue to after signing in ("/" for anything else, so it cannot redirect off-site). */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : "/";
}

/** The caller's IP: the proxy's client header on Fly, else the socket's address. */
function clientIp(c: Context<AppEnv>): string {
  const fly = c.req.header("fly-client-ip");
  if (fly) return fly;
  return (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname ?? "unknown";
}

const guestId = (c: Context<AppEnv>) => (c.var.user?.isGuest ? c.var.user.id : undefined);
const oidcName = (c: Context<AppEnv>) => c.var.deps.config.oidc?.name;

/** The account pages sub-app. */
export const authPages = new Hono<AppEnv>();
authPages.use("*", authenticate());

authPages.get("/signup", (c) => html(c, <SignUpPage oidcName={oidcName(c)} />));

authPages.post("/signup", async (c) => {
  const form = await formOf(c);
  const values = { email: form.email, displayName: form.displayName };
  const parsed = signUpSchema.safeParse(form);
  if (!parsed.success) {
    return html(c, <SignUpPage values={values} errors={fieldErrors(parsed.error)} oidcName={oidcName(c)} />, 400);
  }
  try {
    const account = await signUp(c.var.deps, parsed.data, guestId(c));
    await startSession(c, account);
  } catch (error) {
    const { status, message } = formError(error);
    return html(c, <SignUpPage values={values} errors={{ form: message }} oidcName={oidcName(c)} />, status);
  }
  return c.redirect("/account?welcome=1", 303);
});

authPages.get("/signin", (c) => {
  const notice = c.req.query("reset") ? "Your password was changed. Sign in with the new one." : undefined;
  return html(c, <SignInPage next={c.req.query("next")} notice={notice} oidcName={oidcName(c)} />);
});

authPages.post("/signin", async (c) => {
  const form = await formOf(c);
  const next = safeNext(c.req.query("next"));
  const email = emailSchema.safeParse(form.email);
  const values = { email: form.email };
  if (!email.success || !form.password) {
    const errors = { form: "Enter your email address and your password." };
    return html(c, <SignInPage values={values} errors={errors} next={next} oidcName={oidcName(c)} />, 400);
  }
  try {
    const input = { email: email.data, password: form.password, ip: clientIp(c) };
    const account = await signInWithPassword(c.var.deps, input, guestId(c));
    await startSession(c, account);
  } catch (error) {
    const { status, message, headers } = formError(error);
    for (const [k, v] of Object.entries(headers)) c.header(k, v);
    return html(
      c,
      <SignInPage values={values} errors={{ form: message }} next={next} oidcName={oidcName(c)} />,
      status,
    );
  }
  return c.redirect(next, 303);
});

authPages.post("/signout", async (c) => {
  await endSession(c);
  return c.redirect("/", 303);
});

authPages.get("/verify-email", async (c) => {
  const token = c.req.query("token") ?? "";
  const account = token ? await verifyEmail(c.var.deps, token) : null;
  if (!account) {
    const message = "This confirmation link is not valid any more: it was already used, or it expired.";
    return html(c, <MessagePage title="Link expired" message={message} ok={false} />, 400);
  }
  // The visitor's own session carries the verified flag from now on.
  if (c.var.user?.id === account.id) await startSession(c, account);
  return html(
    c,
    <MessagePage title="Email confirmed" message={`Thanks, ${account.email} is confirmed.`} ok>
      <p>
        <a class="button primary" href="/">Upload a song</a>
      </p>
    </MessagePage>,
  );
});

authPages.post("/verify-email/resend", requireAccount(), async (c) => {
  const account = await findAccount(c.var.deps.sql, c.var.user!.id);
  if (account && !account.emailVerifiedAt) await sendVerification(c.var.deps, account);
  return c.redirect("/account?sent=1", 303);
});

authPages.get("/forgot-password", (c) => {
  const notice = c.req.query("sent")
    ? "If an account uses that email, a link to reset the password is on its way. It expires in an hour."
    : undefined;
  return html(c, <ForgotPasswordPage notice={notice} />);
});

authPages.post("/forgot-password", async (c) => {
  const form = await formOf(c);
  const email = emailSchema.safeParse(form.email);
  if (!email.success) {
    return html(c, <ForgotPasswordPage values={{ email: form.email }} errors={fieldErrors(email.error)} />, 400);
  }
  await requestPasswordReset(c.var.deps, email.data);
  return c.redirect("/forgot-password?sent=1", 303);
});

const expiredReset = "This reset link is not valid any more: it was already used, or it expired. Ask for a new one.";

authPages.get("/reset-password", async (c) => {
  const token = c.req.query("token") ?? "";
  const live = token && await emailTokenIsLive(c.var.deps.sql, "reset_password", await hashToken(token));
  if (!live) return html(c, <MessagePage title="Link expired" message={expiredReset} ok={false} />, 400);
  return html(c, <ResetPasswordPage token={token} />);
});

authPages.post("/reset-password", async (c) => {
  const form = await formOf(c);
  const token = form.token ?? "";
  const password = passwordSchema.safeParse(form.password ?? "");
  if (!password.success) {
    return html(c, <ResetPasswordPage token={token} errors={{ form: fieldErrors(password.error).form }} />, 400);
  }
  const account = await resetPassword(c.var.deps, token, password.data);
  if (!account) return html(c, <MessagePage title="Link expired" message={expiredReset} ok={false} />, 400);
  await startSession(c, account);
  return c.redirect("/account?reset=1", 303);
});

/** The signed-in account's page (the notice follows the query: ?welcome, ?renamed, ...); sign-in first otherwise. */
async function accountPage(c: Context<AppEnv>, form: FormPageProps = {}, status: ContentfulStatusCode = 200) {
  const account = c.var.user && !c.var.user.isGuest ? await findAccount(c.var.deps.sql, c.var.user.id) : null;
  if (!account) return c.redirect("/signin?next=/account", 303);
  const q = c.req.query();
  const notice = q.welcome
    ? `Welcome! We sent a confirmation link to ${account.email}.`
    : q.renamed
    ? `Your name is now ${account.displayName}.`
    : q.sent
    ? "We sent the confirmation link again."
    : q.reset
    ? "Your password was changed and every other device was signed out."
    : undefined;
  const quota = await getQuota(c.var.deps.sql, c.var.deps.config, account.id);
  return html(c, <AccountPage account={account} notice={notice} quota={quota} {...form} />, status);
}

authPages.get("/account", (c) => accountPage(c));

const renameSchema = z.object({ displayName: displayNameSchema });

authPages.post("/account/name", requireAccount(), async (c) => {
  const form = await formOf(c);
  const parsed = renameSchema.safeParse(form);
  if (!parsed.success) {
    return accountPage(c, { values: { displayName: form.displayName }, errors: fieldErrors(parsed.error) }, 400);
  }
  const account = await renameAccount(c.var.deps.sql, c.var.user!.id, parsed.data.displayName);
  if (!account) return c.redirect("/signin?next=/account", 303);
  await refreshSessionUser(c, account);
  return c.redirect("/account?renamed=1", 303);
});

authPages.post("/account/signout-everywhere", requireAccount(), async (c) => {
  await revokeUserSessions(c.var.deps.sql, c.var.user!.id, "signed out everywhere");
  await endSession(c);
  return c.redirect("/signin", 303);
});

authPages.get("/admin/users", requireScope("admin"), async (c) => {
  const users = await listAccounts(c.var.deps.sql, { limit: 100 });
  return html(c, <AdminUsersPage users={users} scopes={SCOPES} />);
});

authPages.post("/admin/users/:id/scopes", requireScope("admin"), async (c) => {
  const id = z.string().uuid().safeParse(c.req.param("id"));
  // A checkbox group arrives as repeated fields; formData() keeps them all.
  const scopes = z.array(z.enum(SCOPES)).safeParse((await c.req.formData()).getAll("scopes"));
  if (!id.success || !scopes.success) throw new HttpError(400, "Unknown user or role.");
  const list = scopes.data;
  if (id.data === c.var.user!.id && !list.includes("admin")) {
    throw new HttpError(409, "You cannot remove your own admin role.", { hint: "Ask another admin to do it." });
  }
  if (!await setScopes(c.var.deps.sql, id.data, list)) throw new HttpError(404, "The user was not found.");
  return c.redirect("/admin/users", 303);
});

authPages.get("/auth/oidc/start", async (c) => {
  const { config } = c.var.deps;
  if (!config.oidc) throw new HttpError(404, "Sign-in with another provider is not set up on this site.");
  const { url, cookie } = await startLogin(config, config.oidc);
  const secure = config.publicUrl.startsWith("https:");
  setCookie(c, OIDC_COOKIE, cookie, {
    httpOnly: true,
    sameSite: "Lax",
    secure,
    path: "/auth/oidc",
    maxAge: OIDC_LOGIN_TTL_SEC,
  });
  return c.redirect(url, 302);
});

authPages.get("/auth/oidc/callback", async (c) => {
  const { config } = c.var.deps;
  if (!config.oidc) throw new HttpError(404, "Sign-in with another provider is not set up on this site.");
  const { code, state, error } = c.req.query();
  if (error) throw new HttpError(400, `The provider did not sign you in (${error}).`, { hint: "Try again." });
  if (!code || !state) throw new HttpError(400, "The provider's answer is missing its code or state.");
  const claims = await finishLogin(config, config.oidc, { code, state, cookie: getCookie(c, OIDC_COOKIE) });
  deleteCookie(c, OIDC_COOKIE, { path: "/auth/oidc" });
  const account = await accountForIdentity(c.var.deps, config.oidc.issuer, claims, guestId(c));
  await startSession(c, account);
  return c.redirect("/", 303);
});

authPages.onError(pageErrors);
