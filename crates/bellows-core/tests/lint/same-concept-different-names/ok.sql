-- One spelling per concept; a `deleted` flag is not a deletion time, and camelCase against
-- snake_case is mixed-naming-style's to judge.
CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, deleted_at timestamptz);
CREATE TABLE invoices (id bigint PRIMARY KEY, "createdAt" timestamptz NOT NULL, deleted boolean NOT NULL DEFAULT false);
CREATE TABLE refunds (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, updated boolean);
