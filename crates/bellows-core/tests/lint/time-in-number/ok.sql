CREATE TABLE events (id bigint PRIMARY KEY, received_at timestamptz NOT NULL, response_time integer, stream_ordering bigint);
