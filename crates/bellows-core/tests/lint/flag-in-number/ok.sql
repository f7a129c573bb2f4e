CREATE TABLE users (id bigint PRIMARY KEY, is_guest boolean NOT NULL DEFAULT false, has_children_count int, is_part_of_id bigint REFERENCES users (id));
