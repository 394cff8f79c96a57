ALTER TABLE maps DROP CONSTRAINT maps_current_version_id_fkey;
ALTER TABLE songs DROP CONSTRAINT songs_canonical_map_id_fkey;
ALTER TABLE songs DROP COLUMN canonical_map_id;
