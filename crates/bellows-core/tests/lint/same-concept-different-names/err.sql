CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, updated_at timestamptz);
CREATE TABLE invoices (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, updated_at timestamptz);
CREATE TABLE refunds (id bigint PRIMARY KEY, date_created timestamptz NOT NULL, last_modified timestamptz);
