-- Catalogue search (title/artist, case-insensitive substring). A stored lower-cased column means the search does
-- not re-lower two columns per row; the prefix index (text_pattern_ops) serves searches that start a title, and
-- the partial index below keeps the newest-first catalogue walk cheap. Works the same on PGlite (no extensions).
ALTER TABLE songs ADD COLUMN search_text text
  GENERATED ALWAYS AS (lower(coalesce(title, '') || ' ' || coalesce(artist, ''))) STORED;

CREATE INDEX songs_search_text_prefix_idx ON songs (search_text text_pattern_ops);
CREATE INDEX songs_created_idx ON songs (created_at DESC, id DESC);
