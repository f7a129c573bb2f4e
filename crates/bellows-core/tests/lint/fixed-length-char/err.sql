CREATE TABLE films (id bigint PRIMARY KEY, title char(20), rating char, tags char(3)[]);
