/**
 * Live job progress: follows `GET /api/v1/jobs/:id/events` (SSE), draws each stage's state and the overall bar,
 * shows a readable error with Retry, and links to the drum map once a generate_map job is done.
 */
import { type Signal, useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { ProgressBar } from "../components/ProgressBar.tsx";
import { api } from "./api.ts";
import { useApiAction, useHydrated } from "./hooks.ts";
import { applyJobEvent, isTerminal, JOB_EVENTS, type JobView, stageStates, statusText } from "./job_view.ts";

/** Props of {@link JobProgress}. */
export interface JobProgressProps {
  /** The job as the server rendered it. */
  initial: JobView;
}

/**
 * Subscribes to the job's event stream while it is not terminal; re-subscribes only when that changes (after a
 * Retry), not on every event. Events replayed after a reconnect (ids not newer than the last one seen) are
 * skipped, so a retry never flashes back to the old failure.
 */
function useJobEvents(job: Signal<JobView>): void {
  const lastEventId = useRef(0);
  const { id, status } = job.value;
  const active = !isTerminal(status);
  useEffect(() => {
    if (!active) return;
    const source = new EventSource(`/api/v1/jobs/${encodeURIComponent(id)}/events`);
    for (const name of JOB_EVENTS) {
      source.addEventListener(name, (e) => {
        const event = e as MessageEvent<string>;
        const eventId = Number(event.lastEventId);
        if (event.lastEventId && Number.isFinite(eventId)) {
          if (eventId <= lastEventId.current) return;
          lastEventId.current = eventId;
        }
        let data: unknown = null;
        try {
          data = JSON.parse(event.data);
        } catch {
          // Keep the old values (applyJobEvent tolerates null).
        }
        job.value = applyJobEvent(job.peek(), name, data);
      });
    }
    return () => source.close();
  }, [id, active]);
}

/** The job's stage list, progress bar, status, errors and actions. */
export default function JobProgress({ initial }: JobProgressProps) {
  useHydrated();
  const job = useSignal(initial);
  const { busy, error: actionError, run } = useApiAction();
  const view = job.value;
  useJobEvents(job);

  const act = (method: "POST" | "DELETE", path: string, next: (j: JobView) => JobView) =>
    run(async () => {
      // The retry endpoint validates a JSON body (optional resumeFrom), so POST sends an empty object.
      await api(path, { method, body: method === "POST" ? {} : undefined });
      job.value = next(job.peek());
    });
  const base = `/api/v1/jobs/${encodeURIComponent(view.id)}`;

  return (
    <section class="card stack" aria-live="polite">
      <p class="job-status" data-testid="job-status" data-status={view.status}>{statusText(view)}</p>
      <ProgressBar label="Job progress" percent={view.progress * 100} testId="job-progress" />
      <ol class="stages">
        {stageStates(view).map(({ stage, state }) => (
          <li key={stage} class={`stage stage-${state}`} data-testid={`stage-${stage}`} data-state={state}>
            <span class="stage-name">{stage}</span> <span class="stage-state">{state}</span>
          </li>
        ))}
      </ol>
      <ErrorBox message={view.status === "failed" ? view.error ?? "The job failed." : actionError.value} />
      {view.status === "failed" && (
        <button
          type="button"
          class="button primary"
          data-testid="retry"
          disabled={busy.value}
          onClick={() => act("POST", `${base}/retry`, (j) => ({ ...j, status: "queued", error: null }))}
        >
          Retry
        </button>
      )}
      {(view.status === "queued" || view.status === "running") && (
        <button
          type="button"
          class="button"
          data-testid="cancel"
          disabled={busy.value}
          onClick={() => act("DELETE", base, (j) => ({ ...j, status: "cancelled" }))}
        >
          Cancel
        </button>
      )}
      {view.status === "succeeded" && (
        <a class="button primary" data-testid="open-map" href={doneHref(view)}>
          {view.type === "generate_map" ? "Open the drum map" : "Back to the song"}
        </a>
      )}
    </section>
  );
}

/** Where a finished job leads: its map, or its song for a fingerprint job. */
function doneHref(job: JobView): string {
  const song = `/songs/${encodeURIComponent(job.songId)}`;
  return job.type === "generate_map" ? `${song}/map` : song;
}
