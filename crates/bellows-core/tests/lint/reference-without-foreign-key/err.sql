CREATE TABLE categories (id bigint PRIMARY KEY);
CREATE TABLE products (id bigint PRIMARY KEY, category_id bigint);
