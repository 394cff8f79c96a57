-- One row per presigned upload; the object lives in S3 under s3_key.
CREATE TABLE uploads (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  s3_key text NOT NULL UNIQUE,
  filename text NULL,
  content_type text NULL,
  size_bytes bigint NULL CHECK (size_bytes IS NULL OR size_bytes >= 0),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'uploaded', 'rejected')),
  reject_reason text NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX uploads_user_id_idx ON uploads (user_id, created_at DESC);
