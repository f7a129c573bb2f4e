CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE rooms (id bigint PRIMARY KEY, member_ids text, admin_ids bigint[]);
