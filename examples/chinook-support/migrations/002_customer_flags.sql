-- Account flags with their history: a flag is active while cleared_at is null.
-- migrations-postgres/ creates the same table on PostgreSQL, where the key and time types differ.
CREATE TABLE customer_flag (
  flag_id      INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id  INTEGER NOT NULL REFERENCES customer (customer_id),
  reason       TEXT    NOT NULL,
  flagged_by   TEXT    NOT NULL,
  flagged_at   TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
  cleared_by   TEXT,
  cleared_at   TEXT,
  clear_reason TEXT
);
-- At most one active flag per customer.
CREATE UNIQUE INDEX customer_flag_active ON customer_flag (customer_id) WHERE cleared_at IS NULL;
