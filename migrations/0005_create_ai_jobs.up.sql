-- AI jobs (fingerprint, generate_map). The callback handler and the watchdog own the state machine;
-- (last_attempt, last_seq) orders progress callbacks so stale ones are ignored.
CREATE TABLE ai_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  song_id uuid NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('fingerprint', 'generate_map')),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  stage text NULL,
  progress real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
  attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts int NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  priority int NOT NULL DEFAULT 5 CHECK (priority BETWEEN 0 AND 9),
  resume_from text NULL,
  heartbeat_at timestamptz NULL,
  last_seq int NOT NULL DEFAULT -1,
  last_attempt int NOT NULL DEFAULT 0,
  error text NULL,
  stage_outputs jsonb NOT NULL DEFAULT '{}',
  stage_timings jsonb NOT NULL DEFAULT '{}',
  result jsonb NULL,
  trace_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz NULL,
  finished_at timestamptz NULL
);

-- Keyset pagination of a user's jobs, newest first.
CREATE INDEX ai_jobs_user_created_idx ON ai_jobs (user_id, created_at DESC, id DESC);
-- The watchdog's scan for stale running / never-started queued jobs.
CREATE INDEX ai_jobs_status_heartbeat_idx ON ai_jobs (status, heartbeat_at);
CREATE INDEX ai_jobs_song_id_idx ON ai_jobs (song_id);

CREATE TRIGGER ai_jobs_set_updated_at BEFORE UPDATE ON ai_jobs
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
