CREATE TABLE films (id bigint PRIMARY KEY, title char(20));
