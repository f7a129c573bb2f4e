-- mysql
CREATE TABLE customers (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(255));
CREATE TABLE orders (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, customer_id bigint NOT NULL, note varchar(20));
