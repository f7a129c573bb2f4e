CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, placed_at timestamptz);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_date_customer_idx ON orders (placed_at, customer_id);
CREATE INDEX orders_recent_idx ON orders (customer_id) WHERE placed_at > '2024-01-01';
-- A partial index listed before a plain one does not make the plain one look covered by itself.
CREATE TABLE shelves (id bigint PRIMARY KEY, owner_id bigint, deleted boolean);
CREATE UNIQUE INDEX shelves_live_idx ON shelves (id, owner_id) WHERE NOT deleted;
CREATE INDEX shelves_owner_idx ON shelves (owner_id);
