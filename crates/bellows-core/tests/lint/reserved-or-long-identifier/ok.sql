CREATE TABLE users (id bigint PRIMARY KEY, order_number int);
