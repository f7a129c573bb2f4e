SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN note text;
CREATE TABLE fresh (id bigint);
