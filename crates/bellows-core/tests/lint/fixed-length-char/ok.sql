CREATE TABLE films (id bigint PRIMARY KEY, title text, rating char(1));
