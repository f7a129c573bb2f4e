CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text, phone text, city text);
CREATE TABLE clients (id bigint PRIMARY KEY, name text, email text, phone text, city text, created_at timestamptz);
