CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE rooms (id bigint PRIMARY KEY, owner_id bigint REFERENCES users (id));
CREATE TABLE room_members (
    room_id bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    member_id bigint NOT NULL REFERENCES users (id),
    PRIMARY KEY (room_id, member_id)
);
-- A count of ids is a number, not a list.
CREATE TABLE stats (id bigint PRIMARY KEY, distinct_ids bigint);
