ALTER TABLE orders ADD COLUMN placed_at timestamptz;
CREATE TABLE fresh (a int);
ALTER TABLE fresh RENAME COLUMN a TO b;
