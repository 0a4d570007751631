-- Feature flags, their state in each environment, and the history of every change.
CREATE TABLE environment (
  id       TEXT    PRIMARY KEY,
  title    TEXT    NOT NULL,
  position INTEGER NOT NULL
);

CREATE TABLE flag (
  key         TEXT PRIMARY KEY CHECK (key GLOB '[a-z]*' AND key NOT GLOB '*[^a-z0-9-]*'),
  description TEXT NOT NULL,
  owner       TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- One row per flag and environment. The percentage check lives here, so no
-- action or manual edit can store a rollout outside 0 to 100.
CREATE TABLE flag_state (
  flag_key    TEXT    NOT NULL REFERENCES flag (key),
  environment TEXT    NOT NULL REFERENCES environment (id),
  enabled     INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  rollout     INTEGER NOT NULL DEFAULT 100 CHECK (rollout BETWEEN 0 AND 100),
  updated_by  TEXT,
  updated_at  TEXT,
  PRIMARY KEY (flag_key, environment)
);

-- Written by every action that changes a flag, with the signed-in user's email.
CREATE TABLE flag_change (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  flag_key    TEXT NOT NULL REFERENCES flag (key),
  environment TEXT REFERENCES environment (id),
  field       TEXT NOT NULL,
  old_value   TEXT,
  new_value   TEXT,
  changed_by  TEXT NOT NULL,
  changed_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX flag_change_by_flag ON flag_change (flag_key, changed_at);
