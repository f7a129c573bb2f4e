CREATE TABLE films (id bigint PRIMARY KEY, title text, rating varchar(1));
