-- A song as uploaded by one user. canonical_map_id is added by a later migration, once maps exists.
CREATE TABLE songs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  upload_id uuid NULL REFERENCES uploads (id) ON DELETE SET NULL,
  title text NULL,
  artist text NULL,
  -- Chromaprint hash; songs with the same hash share a verified map.
  fingerprint_hash text NULL,
  bpm real NULL CHECK (bpm IS NULL OR bpm > 0),
  duration_sec real NULL CHECK (duration_sec IS NULL OR duration_sec >= 0),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fingerprinting', 'ready', 'failed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX songs_fingerprint_hash_idx ON songs (fingerprint_hash);
CREATE INDEX songs_owner_id_idx ON songs (owner_id, created_at DESC);

CREATE TRIGGER songs_set_updated_at BEFORE UPDATE ON songs
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
