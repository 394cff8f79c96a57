-- Immutable versions of a map. job_id is unique so one AI job yields exactly one version (ON CONFLICT DO NOTHING).
CREATE TABLE map_versions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  map_id uuid NOT NULL REFERENCES maps (id) ON DELETE CASCADE,
  job_id uuid NULL UNIQUE REFERENCES ai_jobs (id) ON DELETE SET NULL,
  version int NOT NULL CHECK (version >= 1),
  s3_key text NOT NULL,
  note_count int NULL CHECK (note_count IS NULL OR note_count >= 0),
  bpm real NULL,
  duration_sec real NULL,
  model_version text NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz NULL,
  CONSTRAINT map_versions_map_id_version_key UNIQUE (map_id, version)
);
