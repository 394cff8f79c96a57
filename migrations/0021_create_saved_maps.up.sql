-- A user's library: maps they saved for practice (and offline viewing).
CREATE TABLE saved_maps (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  map_id uuid NOT NULL REFERENCES maps (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, map_id)
);

CREATE INDEX saved_maps_user_created_idx ON saved_maps (user_id, created_at DESC);
