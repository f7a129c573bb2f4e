CREATE TABLE events (id bigint PRIMARY KEY, received_ts bigint NOT NULL, created_at integer);
