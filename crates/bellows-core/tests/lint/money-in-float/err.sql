CREATE TABLE invoices (id bigint PRIMARY KEY, total double precision);
