CREATE TABLE orders (id bigint PRIMARY KEY, email text);
CREATE TABLE refunds (id bigint PRIMARY KEY, email varchar(200));
