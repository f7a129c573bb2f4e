-- A small online shop, as it grew over a few years.
CREATE TABLE customers (
    id          bigserial PRIMARY KEY,
    email       varchar(255),
    full_name   text NOT NULL,
    created_at  timestamp DEFAULT now()
);

CREATE TABLE products (
    id          serial PRIMARY KEY,
    sku         char(12) NOT NULL UNIQUE,
    title       text NOT NULL,
    price       double precision NOT NULL,
    attributes  json
);

CREATE TABLE orders (
    id           bigserial PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customers (id),
    status       text NOT NULL DEFAULT 'new',
    placed_at    timestamp NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
    order_id    bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id  integer NOT NULL REFERENCES products (id),
    quantity    integer NOT NULL CHECK (quantity > 0),
    unit_price  double precision NOT NULL
);

CREATE TABLE shipments (
    id           bigserial PRIMARY KEY,
    order_id     bigint NOT NULL,
    carrier      text,
    shipped_at   timestamp
);

CREATE INDEX orders_placed_at_idx ON orders (placed_at);
