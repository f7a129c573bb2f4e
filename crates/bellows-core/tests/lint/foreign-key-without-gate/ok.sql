-- mysql
SET SESSION lock_wait_timeout = 5;
CREATE TABLE payments (id int PRIMARY KEY, order_id int);
ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
