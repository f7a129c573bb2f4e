CREATE TABLE orders (
    id bigint PRIMARY KEY,
    placed_at timestamptz NOT NULL,
    billing_street text,
    billing_city text,
    billing_postcode text
);
