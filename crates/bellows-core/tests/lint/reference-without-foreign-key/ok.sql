CREATE TABLE categories (id bigint PRIMARY KEY);
CREATE TABLE products (id bigint PRIMARY KEY, category_id bigint REFERENCES categories (id), external_id text);
CREATE INDEX ON products (category_id);
-- A partition shares its parent's key; it does not reference it.
CREATE TABLE payment (payment_id integer PRIMARY KEY, amount numeric);
CREATE TABLE payment_p2017_01 (CHECK (payment_id > 0)) INHERITS (payment);
