CREATE TABLE customer_orders (id bigint PRIMARY KEY, placed_at timestamptz);
CREATE TABLE line_items (id bigint PRIMARY KEY, order_id bigint);
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE products (id bigint PRIMARY KEY);
