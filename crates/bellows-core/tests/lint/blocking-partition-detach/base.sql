CREATE TABLE measurements (id bigint NOT NULL, taken_at timestamptz NOT NULL, value numeric) PARTITION BY RANGE (taken_at);
CREATE TABLE measurements_2019 PARTITION OF measurements FOR VALUES FROM ('2019-01-01') TO ('2020-01-01');
CREATE TABLE measurements_2020 PARTITION OF measurements FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
