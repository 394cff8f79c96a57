DROP INDEX songs_created_idx;
DROP INDEX songs_search_text_prefix_idx;
ALTER TABLE songs DROP COLUMN search_text;
