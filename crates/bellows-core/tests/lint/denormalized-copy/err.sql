CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name varchar(100));
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    customer_email varchar(255),
    total numeric(10,2)
);
