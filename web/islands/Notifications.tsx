/** The library's notifications with "mark all as read" (`POST /api/v1/me/notifications/read`). */
import { useSignal } from "@preact/signals";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { api } from "./api.ts";
import { useApiAction, useHydrated } from "./hooks.ts";

/** A notification as the page passes it (components/LibraryPage.tsx notificationView). */
export interface NotificationItem {
  id: string;
  kind: "job_succeeded" | "job_failed";
  message: string;
  url: string;
  read: boolean;
  /** ISO time it was written. */
  at: string;
}

/** Props of {@link Notifications}. */
export interface NotificationsProps {
  initial: NotificationItem[];
}

/** The notification list (`notifications`), unread ones marked, and the mark-read button. */
export default function Notifications({ initial }: NotificationsProps) {
  useHydrated();
  const items = useSignal(initial);
  const { busy, error, run } = useApiAction();
  const unread = items.value.filter((n) => !n.read).length;

  const markAll = () =>
    run(async () => {
      await api("/api/v1/me/notifications/read", { body: {} });
      items.value = items.value.map((n) => ({ ...n, read: true }));
    });

  return (
    <section class="card stack" aria-labelledby="notes-h" data-testid="notifications" data-unread={unread}>
      <h2 id="notes-h" class="h2">Notifications {unread ? <span class="badge">{unread} new</span> : null}</h2>
      {items.value.length === 0
        ? <p class="muted">Nothing yet. We tell you here when a job finishes.</p>
        : (
          <ul class="results">
            {items.value.map((n) => (
              <li key={n.id} class={n.read ? "note" : "note unread"} data-testid="notification">
                <a class="result" href={n.url}>
                  <span>{n.read ? "" : <span class="sr-only">New:</span>}{n.message}</span>
                  <span class="muted">{new Date(n.at).toLocaleString()}</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      {unread > 0 && (
        <button type="button" class="button" data-testid="mark-read" disabled={busy.value} onClick={markAll}>
          Mark all as read
        </button>
      )}
      <ErrorBox message={error.value} />
    </section>
  );
}
