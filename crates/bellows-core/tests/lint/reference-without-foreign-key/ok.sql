CREATE TABLE categories (id bigint PRIMARY KEY);
CREATE TABLE products (id bigint PRIMARY KEY, category_id bigint REFERENCES categories (id), external_id text);
CREATE INDEX ON products (category_id);
