CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(12,2));
CREATE TABLE refunds (id bigint PRIMARY KEY, amount real);
CREATE TABLE fees (id bigint PRIMARY KEY, amount numeric(12,2));
