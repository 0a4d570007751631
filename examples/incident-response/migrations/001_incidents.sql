CREATE TABLE incident (
  id INTEGER PRIMARY KEY,
  severity TEXT NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3')),
  summary TEXT NOT NULL,
  service TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  declared_by TEXT NOT NULL,
  declared_at TEXT NOT NULL,
  chat_message_id TEXT,
  page_id TEXT,
  ticket_id TEXT,
  notes TEXT,
  resolved_by TEXT,
  resolved_at TEXT
);
