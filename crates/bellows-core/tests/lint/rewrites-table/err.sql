ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);
