/** `/library`: the visitor's saved maps, recent jobs and notifications. Server-only. */
import type { Job } from "../db/jobs.ts";
import type { Notification } from "../db/notifications.ts";
import type { SavedMap } from "../db/saved_maps.ts";
import { Island } from "../lib/islands.ts";
import type { JobWithTitle } from "../lib/library.ts";
import { Layout } from "./Layout.tsx";
import { songTitle } from "./Pages.tsx";

/** Data of {@link LibraryPage}. */
export interface LibraryPageProps {
  saved: SavedMap[];
  jobs: JobWithTitle[];
  notifications: Notification[];
}

const JOB_TYPE_TEXT: Record<Job["type"], string> = { fingerprint: "Song check", generate_map: "AI drum map" };

/** The library page. */
export function LibraryPage({ saved, jobs, notifications }: LibraryPageProps) {
  return (
    <Layout title="Your library">
      <h1>Your library</h1>
      <p>
        <a href="/profile" data-testid="profile-link">Your plan, AI runs and account</a>
      </p>
      <section class="card stack" aria-labelledby="saved-h">
        <h2 id="saved-h" class="h2">Saved maps</h2>
        {saved.length === 0
          ? <p class="muted" data-testid="saved-maps">Nothing saved yet. Open a drum map and press “Save”.</p>
          : (
            <ul class="results" data-testid="saved-maps">
              {saved.map((m) => (
                <li key={m.mapId}>
                  <a class="result" href={`/songs/${m.songId}/map`} data-testid="saved-map" data-map-id={m.mapId}>
                    <span class="result-title">{songTitle(m)}</span>
                    {m.status === "verified" ? <span class="badge badge-verified">Verified</span> : null}
                  </a>
                </li>
              ))}
            </ul>
          )}
      </section>
      <section class="card stack" aria-labelledby="jobs-h">
        <h2 id="jobs-h" class="h2">Recent jobs</h2>
        {jobs.length === 0
          ? <p class="muted" data-testid="recent-jobs">No jobs yet.</p>
          : (
            <ul class="results" data-testid="recent-jobs">
              {jobs.map((j) => (
                <li key={j.id}>
                  <a class="result" href={`/jobs/${j.id}`} data-testid="recent-job" data-status={j.status}>
                    <span class="result-title">{j.songTitle}</span>
                    <span class="muted">{JOB_TYPE_TEXT[j.type]} · {j.status}</span>
                  </a>
                </li>
              ))}
            </ul>
          )}
      </section>
      <Island name="Notifications" props={{ initial: notifications.map(notificationView) }} />
    </Layout>
  );
}

/** What the Notifications island needs of a row (plain data: dates as ISO strings). */
export function notificationView(n: Notification) {
  return {
    id: n.id,
    kind: n.kind,
    message: n.message,
    url: n.url,
    read: n.readAt !== null,
    at: n.createdAt.toISOString(),
  };
}
