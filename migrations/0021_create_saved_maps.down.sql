DROP TABLE saved_maps;
