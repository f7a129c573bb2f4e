CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, created_at timestamptz DEFAULT now());
