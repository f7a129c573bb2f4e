CREATE TABLE scratch (id bigint);
DROP TABLE scratch;
ALTER TABLE customers ADD COLUMN fax text;
