CREATE TABLE page_views (id bigint PRIMARY KEY, url text);
CREATE TABLE tags (name text NOT NULL UNIQUE);
