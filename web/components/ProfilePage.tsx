/** `/profile`: who you are here, your plan and this month's AI runs, and the account links. Server-only. */
import type { SessionUser } from "../lib/app_env.ts";
import type { Quota } from "../lib/quota.ts";
import { Layout } from "./Layout.tsx";
import { QuotaLine } from "./QuotaLine.tsx";

/** Data of {@link ProfilePage}. */
export interface ProfilePageProps {
  user: SessionUser;
  displayName: string;
  quota: Quota;
}

/** The profile page. */
export function ProfilePage({ user, displayName, quota }: ProfilePageProps) {
  return (
    <Layout title="Profile">
      <h1>Profile</h1>
      <section class="card stack">
        <dl class="facts">
          <dt>Name</dt>
          <dd data-testid="profile-name">{displayName}</dd>
          <dt>Account</dt>
          <dd>{user.isGuest ? "Guest (this browser only)" : "Signed in"}</dd>
          <dt>Plan</dt>
          <dd data-testid="profile-plan">{quota.plan === "pro" ? "Pro" : "Free"}</dd>
        </dl>
        <QuotaLine quota={quota} />
      </section>
      <section class="card stack">
        {user.isGuest
          ? (
            <>
              <p>Sign up to keep your library on every device and to help fix maps.</p>
              <p class="actions">
                <a class="button primary" href="/signup">Sign up</a>
                <a class="button" href="/signin">Sign in</a>
              </p>
            </>
          )
          : <p>Sign out from the menu at the top of the page.</p>}
      </section>
    </Layout>
  );
}
