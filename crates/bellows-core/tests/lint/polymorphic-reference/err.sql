CREATE TABLE posts (id bigint PRIMARY KEY);
CREATE TABLE photos (id bigint PRIMARY KEY);
CREATE TABLE comments (
    id bigint PRIMARY KEY,
    body text,
    commentable_type varchar(50) NOT NULL,
    commentable_id bigint NOT NULL
);
