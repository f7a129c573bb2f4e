CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamptz, day date);
