DROP TABLE map_versions;
