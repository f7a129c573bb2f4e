CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp, seen_at timestamp(3)[]);
