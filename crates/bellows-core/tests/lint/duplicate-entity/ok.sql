CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text, phone text, city text);
CREATE TABLE products (id bigint PRIMARY KEY, name text, sku text, price numeric(12,2), weight numeric);
