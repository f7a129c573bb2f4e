CREATE TABLE devices (id bigint PRIMARY KEY, device_uuid varchar(36) NOT NULL UNIQUE, guid text);
