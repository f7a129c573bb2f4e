CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, placed_at timestamptz);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_customer_date_idx ON orders (customer_id, placed_at);
