/**
 * The header's account menu and the CSRF `<meta>` islands read. Both need the request (who is signed in, which
 * token), which they get from Hono's context storage (`contextStorage()` in web/app.ts), so pages need not thread
 * the session through every component. Rendered outside a request (component tests), they render the anonymous
 * menu and no meta.
 */
import { tryGetContext } from "hono/context-storage";
import type { AppEnv } from "../../lib/app_env.ts";

/** The request's variables, or undefined outside a request. */
function requestVars(): AppEnv["Variables"] | undefined {
  return tryGetContext<AppEnv>()?.var;
}

/** `<meta name="csrf-token">` for islands (web/islands/api.ts). */
export function CsrfMeta() {
  const token = requestVars()?.csrfToken;
  return token ? <meta name="csrf-token" content={token} /> : null;
}

/** A hidden `_csrf` input for server-rendered forms. */
export function CsrfField() {
  return <input type="hidden" name="_csrf" value={requestVars()?.csrfToken ?? ""} />;
}

/**
 * "Sign in" (sign-up is one tap away on that page; guests reach /profile from the library), or the signed-in account's name (its account
 * page) and a sign-out button. Kept short so the header stays one row on a 360 px phone.
 */
export function AccountMenu() {
  const user = requestVars()?.user;
  if (!user || user.isGuest) {
    return (
      <nav class="account-menu" data-testid="account-menu" aria-label="Account">
        <a href="/signin">Sign in</a>
      </nav>
    );
  }
  return (
    <nav class="account-menu" data-testid="account-menu" aria-label="Account">
      <a href="/account">{user.displayName}</a>
      {user.scopes.includes("admin") ? <a href="/admin/users">Admin</a> : null}
      <form method="post" action="/signout">
        <CsrfField />
        <button type="submit" class="link-button" data-testid="signout">Sign out</button>
      </form>
    </nav>
  );
}
