-- Which key sealed the rows: a fingerprint (a labelled SHA-256 of the key,
-- never the key). A start with another key stops instead of serving every
-- user a row it cannot open.
CREATE TABLE sealing_key (
    id           INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    fingerprint  TEXT NOT NULL
);
