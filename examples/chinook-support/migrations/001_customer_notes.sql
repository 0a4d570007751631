-- Notes that support agents keep on a customer.
CREATE TABLE customer_note (
  note_id     INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL REFERENCES Customer (CustomerId),
  body        TEXT    NOT NULL,
  author      TEXT    NOT NULL,
  created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX customer_note_by_customer ON customer_note (customer_id, created_at);
