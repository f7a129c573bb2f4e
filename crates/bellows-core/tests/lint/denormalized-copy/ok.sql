CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name varchar(100));
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    customer_name varchar(100),
    customer_note text,
    total numeric(10,2)
);
COMMENT ON COLUMN orders.customer_name IS 'the name as it was when the order was placed';
