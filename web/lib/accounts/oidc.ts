/**
 * "Sign in with <provider>" over OpenID Connect (authorization code flow with PKCE S256, state and nonce). The
 * provider is found by discovery from OIDC_ISSUER; the id_token is verified with the provider's JWKS (jose). The
 * per-login secrets (state, nonce, code verifier) travel in a short-lived signed cookie, not on the server.
 */
import { createRemoteJWKSet, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { findIdentityUser, linkIdentity } from "../../db/identities.ts";
import type { AppDeps } from "../app_env.ts";
import type { WebConfig } from "../config.ts";
import { HttpError } from "../errors.ts";
import { base64url, randomToken, safeEqual } from "./tokens.ts";
import { type Account, createAccount, findAccount, findAccountByEmail, markEmailVerified } from "./user_queries.ts";

/** Cookie carrying the pending login. */
export const OIDC_COOKIE = "bs_oidc";
/** How long a started login may take [seconds]. */
export const OIDC_LOGIN_TTL_SEC = 600;
/** How long discovery documents are reused [ms]. */
const DISCOVERY_TTL_MS = 3600_000;

const discoverySchema = z.object({
  issuer: z.string().url(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
});
type Discovery = z.infer<typeof discoverySchema>;

const pendingSchema = z.object({ state: z.string(), nonce: z.string(), verifier: z.string() });
const tokenResponseSchema = z.object({ id_token: z.string().min(1) });
const idClaimsSchema = z.object({
  sub: z.string().min(1),
  nonce: z.string(),
  email: z.string().email().optional(),
  email_verified: z.boolean().optional(),
  name: z.string().optional(),
});
/** What the callback learnt about the person from the verified id_token. */
export type OidcClaims = z.infer<typeof idClaimsSchema>;

type OidcConfig = NonNullable<WebConfig["oidc"]>;
const discoveries = new Map<string, { at: number; doc: Discovery }>();
const jwksets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** The provider's discovery document (cached for an hour); its `issuer` must be the configured one. */
export async function discover(issuer: string): Promise<Discovery> {
  const cached = discoveries.get(issuer);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.doc;
  const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`OIDC discovery at ${issuer} answered ${res.status}`);
  const doc = discoverySchema.parse(await res.json());
  if (doc.issuer.replace(/\/+$/, "") !== issuer) throw new Error(`OIDC issuer mismatch: ${doc.issuer} != ${issuer}`);
  discoveries.set(issuer, { at: Date.now(), doc });
  return doc;
}

const secretKey = (secret: string) => new TextEncoder().encode(secret);

async function s256(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

/** Where the provider sends the browser back. */
export function redirectUri(config: WebConfig): string {
  return `${config.publicUrl}/auth/oidc/callback`;
}

/** Starts a login: the provider URL to redirect to and the signed cookie value holding state, nonce and verifier. */
export async function startLogin(config: WebConfig, oidc: OidcConfig): Promise<{ url: string; cookie: string }> {
  const doc = await discover(oidc.issuer);
  const pending = { state: randomToken(), nonce: randomToken(), verifier: randomToken(48) };
  const url = new URL(doc.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: oidc.clientId,
    redirect_uri: redirectUri(config),
    scope: "openid email profile",
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await s256(pending.verifier),
    code_challenge_method: "S256",
  }).toString();
  const cookie = await new SignJWT(pending).setProtectedHeader({ alg: "HS256" }).setIssuedAt()
    .setExpirationTime(`${OIDC_LOGIN_TTL_SEC}s`).sign(secretKey(config.sessionSecret));
  return { url: url.href, cookie };
}

const loginFailed = (why: string) =>
  new HttpError(400, `Signing in with the provider failed: ${why}.`, { hint: "Start again from the sign-in page." });

/**
 * Finishes a login: checks `state` against the cookie, redeems `code` with the PKCE verifier, verifies the id_token
 * (signature by the issuer's JWKS, issuer, audience, expiry, nonce).
 * @throws HttpError 400 with a readable reason on any mismatch.
 */
export async function finishLogin(
  config: WebConfig,
  oidc: OidcConfig,
  input: { code: string; state: string; cookie: string | undefined },
): Promise<OidcClaims> {
  const pending = await jwtVerify(input.cookie ?? "", secretKey(config.sessionSecret), { algorithms: ["HS256"] })
    .then((r) => pendingSchema.parse(r.payload)).catch(() => null);
  if (!pending) throw loginFailed("the login expired or was started in another browser");
  if (!safeEqual(pending.state, input.state)) throw loginFailed("the state does not match");
  const doc = await discover(oidc.issuer);
  const res = await fetch(doc.token_endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: "Basic " + btoa(`${encodeURIComponent(oidc.clientId)}:${encodeURIComponent(oidc.clientSecret)}`),
    },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: input.code,
      redirect_uri: redirectUri(config),
      code_verifier: pending.verifier,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw loginFailed(`the provider refused the code (${res.status})`);
  const { id_token } = tokenResponseSchema.parse(await res.json());
  let jwks = jwksets.get(doc.jwks_uri);
  if (!jwks) jwksets.set(doc.jwks_uri, jwks = createRemoteJWKSet(new URL(doc.jwks_uri)));
  const verified = await jwtVerify(id_token, jwks, { issuer: doc.issuer, audience: oidc.clientId }).catch(() => null);
  if (!verified) throw loginFailed("the provider's identity token did not verify");
  const claims = idClaimsSchema.safeParse(verified.payload);
  if (!claims.success || !safeEqual(claims.data.nonce, pending.nonce)) throw loginFailed("the nonce does not match");
  return claims.data;
}

/**
 * The account for a provider identity: the linked one; else the account with the same email when the provider
 * verified that email (linking it); else a new account (or the current guest, upgraded).
 * @throws HttpError 409 when an account has the email but the provider did not verify it.
 */
export async function accountForIdentity(
  deps: AppDeps,
  issuer: string,
  claims: OidcClaims,
  guestId?: string,
): Promise<Account> {
  const linked = await findIdentityUser(deps.sql, issuer, claims.sub);
  const existing = linked ? await findAccount(deps.sql, linked) : null;
  if (existing) return existing;
  const email = claims.email ?? null;
  const verified = claims.email_verified === true;
  let account = email ? await findAccountByEmail(deps.sql, email) : null;
  if (account && !verified) {
    throw new HttpError(409, "An account with this email exists, and the provider has not confirmed the email.", {
      hint: "Sign in with your password instead.",
    });
  }
  if (account) {
    await markEmailVerified(deps.sql, account.id);
  } else {
    const displayName = claims.name?.trim() || email?.split("@")[0] || "Drummer";
    account = await createAccount(
      deps.sql,
      { email, displayName, passwordHash: null, emailVerified: verified && email !== null },
      guestId,
    );
    if (!account) throw new HttpError(409, "An account with this email already exists.");
  }
  await linkIdentity(deps.sql, { userId: account.id, issuer, subject: claims.sub, email });
  return (await findAccount(deps.sql, account.id))!;
}
