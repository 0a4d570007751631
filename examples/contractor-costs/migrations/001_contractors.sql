-- Teams, their contractors and weekly timesheets. Costs are in EUR.
CREATE TABLE team (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  lead_email TEXT NOT NULL
);

CREATE TABLE contractor (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  email       TEXT    NOT NULL UNIQUE,
  team        TEXT    NOT NULL REFERENCES team (id),
  country     TEXT    NOT NULL,
  agency      TEXT    NOT NULL,
  hourly_rate REAL    NOT NULL CHECK (hourly_rate > 0),
  started_on  TEXT    NOT NULL
);

-- One row per contractor and week; week_start is the Monday of the week.
CREATE TABLE timesheet (
  id            INTEGER PRIMARY KEY,
  contractor_id INTEGER NOT NULL REFERENCES contractor (id),
  week_start    TEXT    NOT NULL,
  hours         REAL    NOT NULL CHECK (hours BETWEEN 0 AND 80),
  cost          REAL    NOT NULL CHECK (cost >= 0),
  status        TEXT    NOT NULL DEFAULT 'approved' CHECK (status IN ('submitted', 'approved')),
  UNIQUE (contractor_id, week_start)
);
CREATE INDEX timesheet_by_week ON timesheet (week_start);
