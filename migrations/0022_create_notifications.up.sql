-- In-site notifications: a row when a job of the user finishes or fails (written with the job's terminal event).
CREATE TABLE notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('job_succeeded', 'job_failed')),
  job_id uuid NULL REFERENCES ai_jobs (id) ON DELETE CASCADE,
  message text NOT NULL,
  url text NOT NULL,
  read_at timestamptz NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A job reaches a terminal status once, but a repeated callback must not notify twice.
  UNIQUE (job_id, kind)
);

CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);
