-- sqlite
CREATE TABLE tags (name TEXT PRIMARY KEY, note TEXT);
