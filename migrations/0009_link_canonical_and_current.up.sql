-- Cycles (songs -> maps -> songs, maps -> map_versions -> maps) can only be closed once both tables exist.
-- Deferrable so a map and its first version, or a song and its canonical map, can be written in one transaction
-- in either order.
ALTER TABLE songs ADD COLUMN canonical_map_id uuid NULL;
ALTER TABLE songs ADD CONSTRAINT songs_canonical_map_id_fkey
  FOREIGN KEY (canonical_map_id) REFERENCES maps (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE maps ADD CONSTRAINT maps_current_version_id_fkey
  FOREIGN KEY (current_version_id) REFERENCES map_versions (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;
