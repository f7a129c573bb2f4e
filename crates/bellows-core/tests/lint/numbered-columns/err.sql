CREATE TABLE contacts (id bigint PRIMARY KEY, name text NOT NULL, phone1 text, phone2 text, phone3 text);
