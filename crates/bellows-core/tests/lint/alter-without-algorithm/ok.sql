-- mysql
SET SESSION lock_wait_timeout = 5;
ALTER TABLE orders MODIFY COLUMN note varchar(40), ALGORITHM=INPLACE, LOCK=NONE;
CREATE TABLE notes (id int PRIMARY KEY);
ALTER TABLE notes ADD COLUMN body text;
