-- A drum map of a song; its content lives in map_versions (and S3). current_version_id is linked in 0009.
CREATE TABLE maps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  song_id uuid NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'unverified' CHECK (status IN ('unverified', 'verified', 'archived')),
  current_version_id uuid NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX maps_song_id_idx ON maps (song_id, status);
