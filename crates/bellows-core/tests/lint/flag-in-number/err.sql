CREATE TABLE users (id bigint PRIMARY KEY, is_guest smallint NOT NULL DEFAULT 0, has_avatar char(1));
