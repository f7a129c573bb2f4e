CREATE TABLE page_views (url text, viewed_at timestamptz);
