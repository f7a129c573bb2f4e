CREATE TABLE "user" (id bigint PRIMARY KEY, "order" int);
