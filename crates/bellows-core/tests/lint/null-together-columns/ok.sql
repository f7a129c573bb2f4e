-- Flags, limits, a date in parts, numbered columns and the table's own name are not a missing table.
CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    is_admin boolean, is_active boolean, is_locked boolean,
    max_users int, max_projects int, max_storage bigint,
    begin_date_year smallint, begin_date_month smallint, begin_date_day smallint,
    phone_1 text, phone_2 text, phone_3 text,
    account_name text, account_code text, account_note text
);
-- Required columns already say the thing is always there.
CREATE TABLE invoices (id bigint PRIMARY KEY, billing_street text NOT NULL, billing_city text NOT NULL, billing_postcode text NOT NULL);
