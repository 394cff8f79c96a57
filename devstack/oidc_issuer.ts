/**
 * A small OpenID Connect provider for dev and tests: discovery, JWKS, `/authorize` (a login form, or instant
 * consent for a configured user), `/token` (authorization code + PKCE S256, client_secret_basic or _post) issuing
 * RS256 id_tokens signed with jose. It checks what a real provider checks (registered redirect URI, client secret,
 * single-use short-lived codes, the code verifier), so the web's login flow is exercised for real.
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { z } from "zod";

/** A person at the provider. */
export interface OidcUser {
  sub: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
}

/** A registered client (relying party). */
export interface OidcClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** Options of {@link startOidcIssuer}. */
export interface OidcIssuerOptions {
  /** Default 0 (a free port). */
  port?: number;
  clients: OidcClient[];
  /** Dev only: accept any redirect URI on 127.0.0.1/localhost (the web's port may be picked at start). */
  allowLoopbackRedirects?: boolean;
  /** When set, `/authorize` signs this user in without showing the form. */
  autoConsentUser?: OidcUser;
}

/** A running issuer. */
export interface OidcIssuer {
  /** `http://127.0.0.1:<port>`: OIDC_ISSUER. */
  issuer: string;
  /** Allows one more redirect URI for `clientId` (for a relying party whose port is known only later). */
  registerRedirectUri(clientId: string, uri: string): void;
  /** Changes (or clears) the user signed in without a form. */
  setAutoConsentUser(user: OidcUser | undefined): void;
  close(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce?: string;
  user: OidcUser;
  expiresAt: number;
}

const CODE_TTL_MS = 60_000;
const authorizeSchema = z.object({
  response_type: z.literal("code"),
  client_id: z.string(),
  redirect_uri: z.string().url(),
  scope: z.string().refine((s) => s.split(" ").includes("openid"), "must include openid"),
  state: z.string().min(1),
  nonce: z.string().optional(),
  code_challenge: z.string().min(43),
  code_challenge_method: z.literal("S256"),
});

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const s256 = async (v: string) =>
  b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(v))));
const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
const oauthError = (error: string, description: string, status = 400) =>
  Response.json({ error, error_description: description }, { status });

function loginForm(params: URLSearchParams): Response {
  const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join("");
  const body = `<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>Dev OIDC login</title>` +
    `<form method="post" action="/authorize">${hidden}<label>Email <input name="email" type="email" required></label>` +
    `<label>Name <input name="name"></label><button type="submit">Sign in</button></form></html>`;
  return new Response(body, { headers: { "content-type": "text/html" } });
}

function clientAuth(req: Request, form: URLSearchParams): { id: string; secret: string } | null {
  const basic = req.headers.get("authorization")?.match(/^Basic\s+(.+)$/i)?.[1];
  if (basic) {
    const [id, secret] = atob(basic).split(":").map(decodeURIComponent);
    return { id, secret };
  }
  const id = form.get("client_id");
  const secret = form.get("client_secret");
  return id && secret ? { id, secret } : null;
}

/** Starts the issuer on 127.0.0.1. */
export async function startOidcIssuer(options: OidcIssuerOptions): Promise<OidcIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "dev-1", alg: "RS256", use: "sig" };
  const codes = new Map<string, PendingCode>();
  let autoUser = options.autoConsentUser;
  let issuer = "";

  const authorize = (p: URLSearchParams, user: OidcUser | undefined): Response => {
    const parsed = authorizeSchema.safeParse(Object.fromEntries(p));
    if (!parsed.success) return oauthError("invalid_request", parsed.error.issues[0].message);
    const a = parsed.data;
    const client = options.clients.find((c) => c.clientId === a.client_id);
    // An unknown client or redirect URI must never be redirected to: answer here instead.
    const loopback = options.allowLoopbackRedirects && /^http:\/\/(127\.0\.0\.1|localhost):\d+\//.test(a.redirect_uri);
    if (!client || !(client.redirectUris.includes(a.redirect_uri) || loopback)) {
      return oauthError("invalid_client", "unknown client_id or unregistered redirect_uri");
    }
    if (!user) return loginForm(p);
    const code = b64url(crypto.getRandomValues(new Uint8Array(32)));
    codes.set(code, {
      clientId: a.client_id,
      redirectUri: a.redirect_uri,
      challenge: a.code_challenge,
      nonce: a.nonce,
      user,
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    const to = new URL(a.redirect_uri);
    to.searchParams.set("code", code);
    to.searchParams.set("state", a.state);
    return Response.redirect(to.href, 302);
  };

  const token = async (req: Request): Promise<Response> => {
    const form = new URLSearchParams(await req.text());
    const auth = clientAuth(req, form);
    const client = options.clients.find((c) => c.clientId === auth?.id && c.clientSecret === auth?.secret);
    if (!client) return oauthError("invalid_client", "bad client credentials", 401);
    if (form.get("grant_type") !== "authorization_code") return oauthError("unsupported_grant_type", "code only");
    const code = form.get("code") ?? "";
    const pending = codes.get(code);
    codes.delete(code);
    if (!pending || pending.expiresAt < Date.now() || pending.clientId !== client.clientId) {
      return oauthError("invalid_grant", "unknown, used or expired code");
    }
    if (pending.redirectUri !== form.get("redirect_uri")) return oauthError("invalid_grant", "redirect_uri differs");
    if (await s256(form.get("code_verifier") ?? "") !== pending.challenge) {
      return oauthError("invalid_grant", "PKCE verification failed");
    }
    const u = pending.user;
    const idToken = await new SignJWT({
      email: u.email,
      email_verified: u.emailVerified,
      name: u.name,
      ...(pending.nonce ? { nonce: pending.nonce } : {}),
    }).setProtectedHeader({ alg: "RS256", kid: jwk.kid }).setIssuer(issuer).setAudience(client.clientId)
      .setSubject(u.sub).setIssuedAt().setExpirationTime("5m").sign(privateKey);
    return Response.json({
      access_token: b64url(crypto.getRandomValues(new Uint8Array(24))),
      token_type: "Bearer",
      expires_in: 300,
      id_token: idToken,
    });
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/.well-known/openid-configuration") {
      return Response.json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        scopes_supported: ["openid", "email", "profile"],
      });
    }
    if (url.pathname === "/jwks") return Response.json({ keys: [jwk] });
    if (url.pathname === "/authorize" && req.method === "GET") return authorize(url.searchParams, autoUser);
    if (url.pathname === "/authorize" && req.method === "POST") {
      const form = new URLSearchParams(await req.text());
      const email = form.get("email") ?? "";
      const user = email
        ? { sub: `dev:${email.toLowerCase()}`, email, emailVerified: true, name: form.get("name") || undefined }
        : undefined;
      return authorize(form, user);
    }
    if (url.pathname === "/token" && req.method === "POST") return await token(req);
    return new Response("Not found", { status: 404 });
  });
  issuer = `http://127.0.0.1:${server.addr.port}`;
  return {
    issuer,
    setAutoConsentUser: (user) => (autoUser = user),
    registerRedirectUri: (clientId, uri) =>
      options.clients.find((c) => c.clientId === clientId)?.redirectUris.push(uri),
    close: () => server.shutdown(),
  };
}
