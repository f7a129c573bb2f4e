ALTER TABLE orders RENAME COLUMN created_at TO placed_at;
