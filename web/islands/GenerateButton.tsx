/** Starts the AI drum-map job for a song and opens the job's progress page. */
import { ErrorBox } from "../components/ErrorBox.tsx";
import { QuotaLine, type QuotaLineProps } from "../components/QuotaLine.tsx";
import { api } from "./api.ts";
import { useApiAction, useHydrated } from "./hooks.ts";

/** Props of {@link GenerateButton}. */
export interface GenerateButtonProps {
  songId: string;
  /** The visitor's AI runs this month; with none left the button is disabled and says when they come back. */
  quota?: QuotaLineProps["quota"];
}

/** "Generate with AI": `POST /api/v1/jobs` then go to `/jobs/{id}`; API errors (quota, rate limit) shown. */
export default function GenerateButton({ songId, quota }: GenerateButtonProps) {
  useHydrated();
  const { busy, error, run } = useApiAction();

  const start = () =>
    run(async () => {
      const { job } = await api<{ job: { id: string } }>("/api/v1/jobs", { body: { type: "generate_map", songId } });
      location.assign(`/jobs/${encodeURIComponent(job.id)}`);
    });

  return (
    <div class="stack">
      <button
        type="button"
        class="button primary"
        data-testid="generate-map"
        disabled={busy.value || quota?.remaining === 0}
        onClick={start}
      >
        {busy.value ? "Starting…" : "Generate with AI"}
      </button>
      {quota && <QuotaLine quota={quota} />}
      <ErrorBox message={error.value} />
    </div>
  );
}
