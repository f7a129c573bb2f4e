CREATE TABLE devices (id bigint PRIMARY KEY, device_uuid uuid NOT NULL UNIQUE, guid uuid, uuid_version smallint);
