CREATE TABLE orders (id bigint PRIMARY KEY);
CREATE TABLE order_items (
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line int NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE TABLE users (id bigint PRIMARY KEY, manager_id bigint REFERENCES users (id));
-- Kept on purpose, and said so.
CREATE TABLE user_sessions (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id) ON DELETE RESTRICT);
-- Named after users, but the creator does not own the block.
CREATE TABLE user_blocks (id bigint PRIMARY KEY, creator_id bigint NOT NULL REFERENCES users (id) ON DELETE SET NULL);
-- A reference, not ownership: an order is not part of its customer's row.
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id));
-- A lookup table (only its key) owns nothing, even where the reference is in the key.
CREATE TABLE entity_types (entity_type text PRIMARY KEY);
CREATE TABLE deleted_entities (entity_type text NOT NULL REFERENCES entity_types (entity_type), id uuid NOT NULL, PRIMARY KEY (entity_type, id));
