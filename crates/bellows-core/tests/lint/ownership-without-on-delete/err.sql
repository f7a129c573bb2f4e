CREATE TABLE orders (id bigint PRIMARY KEY);
CREATE TABLE order_items (
    order_id bigint NOT NULL REFERENCES orders (id),
    line int NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE user_sessions (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));
