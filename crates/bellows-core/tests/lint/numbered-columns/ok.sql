-- Two address lines are one address, sizes are not positions, and a gap is not a list.
CREATE TABLE contacts (
    id bigint PRIMARY KEY,
    address_line1 text, address_line2 text,
    thumb_250 bytea, thumb_500 bytea, thumb_1200 bytea,
    x1 int, x5 int, x9 int,
    sha256 text, md5 text, base64 text
);
CREATE TABLE contact_phones (
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position smallint NOT NULL,
    phone text NOT NULL,
    PRIMARY KEY (contact_id, position)
);
