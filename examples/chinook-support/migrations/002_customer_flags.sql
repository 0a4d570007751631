-- Account flags with their history: a flag is active while cleared_at is null.
CREATE TABLE customer_flag (
  flag_id      INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id  INTEGER NOT NULL REFERENCES Customer (CustomerId),
  reason       TEXT    NOT NULL,
  flagged_by   TEXT    NOT NULL,
  flagged_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  cleared_by   TEXT,
  cleared_at   TEXT,
  clear_reason TEXT
);
-- At most one active flag per customer.
CREATE UNIQUE INDEX customer_flag_active ON customer_flag (customer_id) WHERE cleared_at IS NULL;
