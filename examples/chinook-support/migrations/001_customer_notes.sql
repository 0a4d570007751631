-- Notes that support agents keep on a customer.
-- migrations-postgres/ creates the same table on PostgreSQL, where the key and time types differ.
CREATE TABLE customer_note (
  note_id     INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL REFERENCES customer (customer_id),
  body        TEXT    NOT NULL,
  author      TEXT    NOT NULL,
  -- SQLite's CURRENT_TIMESTAMP is UTC text such as 2024-01-02 03:04:05.
  created_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX customer_note_by_customer ON customer_note (customer_id, created_at);
