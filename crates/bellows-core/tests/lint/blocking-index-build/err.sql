CREATE INDEX orders_customer_idx ON orders (customer_id);
DROP INDEX orders_old_idx;
