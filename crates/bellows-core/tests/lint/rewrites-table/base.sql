CREATE TABLE customers (id bigint PRIMARY KEY, email text, fax text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total real, code varchar(20), placed_at timestamptz, created_at timestamptz);
CREATE TABLE audit_log (id bigint);
