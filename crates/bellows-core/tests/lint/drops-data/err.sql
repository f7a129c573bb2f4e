ALTER TABLE customers DROP COLUMN fax;
DROP TABLE audit_log;
