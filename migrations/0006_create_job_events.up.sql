-- Every accepted callback of a job, in order; the SSE stream replays these.
CREATE TABLE job_events (
  id bigserial PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES ai_jobs (id) ON DELETE CASCADE,
  attempt int NOT NULL,
  seq int NOT NULL,
  event text NOT NULL,
  stage text NULL,
  progress real NULL,
  message text NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX job_events_job_id_idx ON job_events (job_id, id);
