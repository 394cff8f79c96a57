DROP TABLE songs;
