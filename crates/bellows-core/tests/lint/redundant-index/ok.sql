CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, placed_at timestamptz);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_date_customer_idx ON orders (placed_at, customer_id);
CREATE INDEX orders_recent_idx ON orders (customer_id) WHERE placed_at > '2024-01-01';
