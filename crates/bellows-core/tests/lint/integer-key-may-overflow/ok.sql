CREATE TABLE events (id bigserial PRIMARY KEY, name text);
CREATE TABLE countries (code integer PRIMARY KEY);
