ALTER TABLE measurements DETACH PARTITION measurements_2019 CONCURRENTLY;
ALTER TABLE measurements DETACH PARTITION measurements_2020 FINALIZE;
-- A table this migration creates has no queries to wait for.
CREATE TABLE readings (id bigint NOT NULL, taken_at timestamptz NOT NULL) PARTITION BY RANGE (taken_at);
CREATE TABLE readings_2019 PARTITION OF readings FOR VALUES FROM ('2019-01-01') TO ('2020-01-01');
ALTER TABLE readings DETACH PARTITION readings_2019;
