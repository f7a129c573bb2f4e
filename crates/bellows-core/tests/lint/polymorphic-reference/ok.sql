CREATE TABLE posts (id bigint PRIMARY KEY);
CREATE TABLE photos (id bigint PRIMARY KEY);
CREATE TABLE comments (
    id bigint PRIMARY KEY,
    body text,
    post_id bigint REFERENCES posts (id),
    photo_id bigint REFERENCES photos (id),
    CHECK (num_nonnulls(post_id, photo_id) = 1)
);
-- The row's own id beside a MIME type, unique with its origin.
CREATE TABLE media_cache (origin text NOT NULL, media_id text NOT NULL, media_type text, UNIQUE (origin, media_id));
-- A kind beside an id of a table the schema has is a plain reference (another rule's business).
CREATE TABLE rooms (id bigint PRIMARY KEY);
CREATE TABLE room_stats (room_id bigint NOT NULL REFERENCES rooms (id), room_type text);
