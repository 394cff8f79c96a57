/**
 * Account pages (server-only, no JavaScript): sign up, sign in, forgotten and reset password, the email
 * verification result, and the account page. Every form posts with a CSRF field; field errors sit under their
 * input and are announced.
 */
import type { Quota } from "../../lib/quota.ts";
import { QuotaLine } from "../QuotaLine.tsx";
import type { ComponentChildren } from "preact";
import type { Account } from "../../lib/accounts/user_queries.ts";
import { ErrorBox } from "../ErrorBox.tsx";
import { Layout } from "../Layout.tsx";
import { CsrfField } from "./AccountMenu.tsx";

/** Messages per form field name, plus `form` for the whole form. */
export type FieldErrors = Record<string, string | undefined>;

interface FieldProps {
  name: string;
  label: string;
  type?: string;
  value?: string;
  autocomplete: string;
  errors: FieldErrors;
  testId?: string;
  hint?: string;
}

function Field({ name, label, type = "text", value, autocomplete, errors, testId, hint }: FieldProps) {
  const error = errors[name];
  const describedBy = [hint ? `${name}-hint` : "", error ? `${name}-error` : ""].filter(Boolean).join(" ");
  return (
    <label class="field">
      <span>{label}</span>
      <input
        name={name}
        type={type}
        value={value}
        autocomplete={autocomplete}
        required
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
        data-testid={testId}
      />
      {hint ? <small id={`${name}-hint`} class="muted">{hint}</small> : null}
      {error ? <small id={`${name}-error`} class="field-error" role="alert">{error}</small> : null}
    </label>
  );
}

function AuthForm(
  { action, submit, testId, children }: {
    action: string;
    submit: string;
    testId?: string;
    children: ComponentChildren;
  },
) {
  return (
    <form method="post" action={action} class="card auth-form" novalidate>
      <CsrfField />
      {children}
      <button type="submit" class="button primary" data-testid={testId}>{submit}</button>
    </form>
  );
}

/** Values typed into a form, echoed back after an error (never the password). */
export type FormValues = Record<string, string | undefined>;

/** Props shared by the form pages. */
export interface FormPageProps {
  values?: FormValues;
  errors?: FieldErrors;
  notice?: string;
}

/** `/signup`. */
export function SignUpPage({ values = {}, errors = {}, oidcName }: FormPageProps & { oidcName?: string }) {
  return (
    <Layout title="Sign up">
      <h1>Create your account</h1>
      <p class="lead">Save maps, follow your jobs and help fix charts. Songs you uploaded as a guest come with you.</p>
      <ErrorBox message={errors.form} />
      <AuthForm action="/signup" submit="Create account" testId="signup-submit">
        <Field name="displayName" label="Name" value={values.displayName} autocomplete="nickname" errors={errors} />
        <Field
          name="email"
          label="Email"
          type="email"
          value={values.email}
          autocomplete="email"
          errors={errors}
          testId="signup-email"
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="new-password"
          errors={errors}
          testId="signup-password"
          hint="At least 10 characters."
        />
      </AuthForm>
      <OidcLink name={oidcName} />
      <p>
        Already have an account? <a href="/signin">Sign in</a>
      </p>
    </Layout>
  );
}

function OidcLink({ name }: { name?: string }) {
  if (!name) return null;
  return (
    <p>
      <a class="button" href="/auth/oidc/start" data-testid="oidc-start">Continue with {name}</a>
    </p>
  );
}

/** `/signin`. */
export function SignInPage(
  { values = {}, errors = {}, notice, next, oidcName }: FormPageProps & { next?: string; oidcName?: string },
) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <ErrorBox message={errors.form} />
      <AuthForm
        action={next ? `/signin?next=${encodeURIComponent(next)}` : "/signin"}
        submit="Sign in"
        testId="signin-submit"
      >
        <Field
          name="email"
          label="Email"
          type="email"
          value={values.email}
          autocomplete="email"
          errors={errors}
          testId="signin-email"
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          errors={errors}
          testId="signin-password"
        />
      </AuthForm>
      <OidcLink name={oidcName} />
      <p>
        <a href="/forgot-password">Forgot your password?</a> · <a href="/signup">Create an account</a>
      </p>
    </Layout>
  );
}

/** `/forgot-password`. */
export function ForgotPasswordPage({ values = {}, errors = {}, notice }: FormPageProps) {
  return (
    <Layout title="Forgot password">
      <h1>Reset your password</h1>
      {notice ? <p class="notice" role="status" data-testid="notice">{notice}</p> : null}
      <ErrorBox message={errors.form} />
      <AuthForm action="/forgot-password" submit="Email me a link" testId="forgot-submit">
        <Field name="email" label="Email" type="email" value={values.email} autocomplete="email" errors={errors} />
      </AuthForm>
    </Layout>
  );
}

/** `/reset-password?token=`: the new-password form. */
export function ResetPasswordPage({ token, errors = {} }: FormPageProps & { token: string }) {
  return (
    <Layout title="Choose a new password">
      <h1>Choose a new password</h1>
      <ErrorBox message={errors.form} />
      <AuthForm action="/reset-password" submit="Save password" testId="reset-submit">
        <input type="hidden" name="token" value={token} />
        <Field
          name="password"
          label="New password"
          type="password"
          autocomplete="new-password"
          errors={errors}
          hint="At least 10 characters. Every device signed in to this account is signed out."
        />
      </AuthForm>
    </Layout>
  );
}

/** A short outcome page (verification done, link no longer valid, ...). */
export function MessagePage(
  { title, message, ok, children }: { title: string; message: string; ok: boolean; children?: ComponentChildren },
) {
  return (
    <Layout title={title}>
      <h1>{title}</h1>
      {ok ? <p class="notice" role="status" data-testid="notice">{message}</p> : <ErrorBox message={message} />}
      {children}
    </Layout>
  );
}

/** `/account`: who you are, your name (editable), verification state, sign out everywhere. */
export function AccountPage(
  { account, notice, quota, values = {}, errors = {} }: FormPageProps & { account: Account; quota: Quota },
) {
  return (
    <Layout title="Your account">
      <h1>{account.displayName}</h1>
      {notice ? <p class="notice" role="status" data-testid="notice">{notice}</p> : null}
      <AuthForm action="/account/name" submit="Save name" testId="rename-submit">
        <Field
          name="displayName"
          label="Name shown on your maps and edits"
          value={values.displayName ?? account.displayName}
          autocomplete="nickname"
          errors={errors}
          testId="rename-input"
        />
      </AuthForm>
      <dl class="card">
        <dt>Email</dt>
        <dd data-testid="account-email">{account.email}</dd>
        <dt>Email confirmed</dt>
        <dd data-testid="email-verified">{account.emailVerifiedAt ? "Yes" : "Not yet — check your inbox"}</dd>
        <dt>Plan</dt>
        <dd>{account.plan === "pro" ? "Pro" : "Free"}</dd>
        <dt>Roles</dt>
        <dd data-testid="account-scopes">{account.scopes.length ? account.scopes.join(", ") : "drummer"}</dd>
      </dl>
      <QuotaLine quota={quota} />
      {account.emailVerifiedAt ? null : (
        <form method="post" action="/verify-email/resend">
          <CsrfField />
          <button type="submit" class="button">Send the confirmation email again</button>
        </form>
      )}
      <form method="post" action="/account/signout-everywhere">
        <CsrfField />
        <button type="submit" class="button" data-testid="signout-everywhere">Sign out on every device</button>
      </form>
    </Layout>
  );
}

/** `/admin/users` (admin): accounts and their roles, one form per account. */
export function AdminUsersPage({ users, scopes }: { users: Account[]; scopes: readonly string[] }) {
  return (
    <Layout title="Users and roles">
      <h1>Users and roles</h1>
      <ul class="stack" data-testid="admin-users">
        {users.map((u) => (
          <li class="card" key={u.id}>
            <strong>{u.displayName}</strong> <span class="muted">{u.email}</span>
            <form method="post" action={`/admin/users/${u.id}/scopes`}>
              <CsrfField />
              {scopes.map((s) => (
                <label class="check" key={s}>
                  <input type="checkbox" name="scopes" value={s} checked={u.scopes.includes(s as never)} /> {s}
                </label>
              ))}
              <button type="submit" class="button">Save roles</button>
            </form>
          </li>
        ))}
      </ul>
    </Layout>
  );
}
