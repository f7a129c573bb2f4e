ALTER TABLE orders ADD COLUMN note text DEFAULT 'none';
ALTER TABLE orders ALTER COLUMN code TYPE varchar(40);
CREATE TABLE fresh (id bigint);
ALTER TABLE fresh ADD COLUMN token uuid DEFAULT gen_random_uuid();
