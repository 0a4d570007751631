-- Weekly cost per team, built from the timesheets by the aggregateWeeks job
-- (nightly) and recomputeMonth (on demand). A week is a spike when it cost
-- more than 15% above the team's week before.
CREATE TABLE weekly_team_cost (
  team          TEXT    NOT NULL REFERENCES team (id),
  week_start    TEXT    NOT NULL,
  cost          REAL    NOT NULL,
  hours         REAL    NOT NULL,
  contractors   INTEGER NOT NULL,
  previous_cost REAL,
  spike         INTEGER NOT NULL DEFAULT 0,
  computed_at   TEXT    NOT NULL,
  PRIMARY KEY (team, week_start)
);

INSERT INTO weekly_team_cost (team, week_start, cost, hours, contractors, computed_at)
SELECT c.team, t.week_start, round(sum(t.cost), 2), sum(t.hours), count(DISTINCT t.contractor_id), '2026-11-30T00:00:00Z'
FROM timesheet t
JOIN contractor c ON c.id = t.contractor_id
GROUP BY c.team, t.week_start;

UPDATE weekly_team_cost
SET previous_cost = p.previous_cost,
    spike = CASE WHEN p.previous_cost > 0 AND weekly_team_cost.cost > p.previous_cost * 1.15 THEN 1 ELSE 0 END
FROM (SELECT team, week_start, lag(cost) OVER (PARTITION BY team ORDER BY week_start) AS previous_cost FROM weekly_team_cost) p
WHERE p.team = weekly_team_cost.team AND p.week_start = weekly_team_cost.week_start;
