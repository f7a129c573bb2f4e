CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);
DROP INDEX CONCURRENTLY orders_old_idx;
CREATE TABLE fresh (id bigint, a int);
CREATE INDEX fresh_a_idx ON fresh (a);
