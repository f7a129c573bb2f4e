-- mysql
SET SESSION lock_wait_timeout = 5;
ALTER TABLE orders MODIFY COLUMN note varchar(400);
