-- A generated year of sample data: 6 teams, 324 contractors in 8 countries,
-- and 52 weeks of timesheets from Monday 2025-12-01. Every value is computed
-- from the contractor number and the week number, so each run of the
-- migration writes the same rows and the repository holds no data file.
INSERT INTO team (id, name, lead_email) VALUES
  ('platform', 'Platform', 'paula@costs.example'),
  ('data', 'Data', 'dmitri@costs.example'),
  ('mobile', 'Mobile', 'mei@costs.example'),
  ('web', 'Web', 'wanda@costs.example'),
  ('support', 'Support', 'sam@costs.example'),
  ('security', 'Security', 'sofia@costs.example');

WITH RECURSIVE
  n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 324),
  first_name(k, name) AS (VALUES
    (0, 'Ada'), (1, 'Bruno'), (2, 'Chiara'), (3, 'Dev'), (4, 'Elif'), (5, 'Femi'),
    (6, 'Greta'), (7, 'Hugo'), (8, 'Ines'), (9, 'Jonas'), (10, 'Kasia'), (11, 'Luca'),
    (12, 'Marta'), (13, 'Nikhil'), (14, 'Olga'), (15, 'Pedro'), (16, 'Rosa'), (17, 'Tomasz')),
  last_name(k, name) AS (VALUES
    (0, 'Almeida'), (1, 'Novak'), (2, 'Schmidt'), (3, 'Iyer'), (4, 'Kowalski'), (5, 'Garcia'),
    (6, 'Popescu'), (7, 'Bondar'), (8, 'Silva'), (9, 'Weber'), (10, 'Rao'), (11, 'Lopez'),
    (12, 'Ionescu'), (13, 'Shevchenko'), (14, 'Costa'), (15, 'Fischer'), (16, 'Mehta'), (17, 'Nowak')),
  country(k, name, agency) AS (VALUES
    (0, 'Germany', 'Nordlicht Staffing'), (1, 'Poland', 'Vistula Talent'), (2, 'Portugal', 'Atlantic Devs'),
    (3, 'Spain', 'Meseta Tech'), (4, 'India', 'Deccan Works'), (5, 'Brazil', 'Paulista Code'),
    (6, 'Romania', 'Carpathia IT'), (7, 'Ukraine', 'Dnipro Engineering')),
  team_slot(k, id) AS (VALUES (0, 'platform'), (1, 'data'), (2, 'mobile'), (3, 'web'), (4, 'support'), (5, 'security'))
INSERT INTO contractor (id, name, email, team, country, agency, hourly_rate, started_on)
SELECT i,
       first || ' ' || last,
       lower(first) || '.' || lower(last) || '.' || i || '@contractors.example',
       team,
       country,
       agency,
       -- Rates from 35 to 95 EUR in steps of 5, lower for support.
       35 + 5 * ((i * 7) % 13) - CASE WHEN team = 'support' THEN 10 ELSE 0 END,
       -- One contractor in ten joins during the year, in week 13 to 51.
       CASE WHEN i % 10 = 0 THEN date('2025-12-01', '+' || (7 * (13 + i % 39)) || ' days') ELSE '2025-06-02' END
-- Scalar lookups instead of joins: SQLite plans the joins on these unindexed
-- lists as nested scans, which took seconds on sql.js.
FROM (
  SELECT n.i,
         (SELECT name FROM first_name WHERE k = n.i % 18) AS first,
         (SELECT name FROM last_name WHERE k = (n.i / 18) % 18) AS last,
         (SELECT id FROM team_slot WHERE k = n.i % 6) AS team,
         (SELECT name FROM country WHERE k = (n.i * 5) % 8) AS country,
         (SELECT agency FROM country WHERE k = (n.i * 5) % 8) AS agency
  FROM n
);

-- Hours vary from 32 to 40 a week. Every contractor skips one week in 23
-- (holiday), the Christmas weeks are short, and four (team, week) pairs carry
-- overtime, so the spike report has something to find.
WITH RECURSIVE w(k, week_start) AS (
    SELECT 0, '2025-12-01'
    UNION ALL
    SELECT k + 1, date(week_start, '+7 days') FROM w WHERE k < 51
  ),
  sheet AS (
    SELECT c.id AS contractor_id,
           w.week_start,
           c.hourly_rate,
           (32 + (c.id * 13 + w.k * 7) % 9)
             * CASE WHEN w.k IN (3, 4) THEN 0.5 ELSE 1 END
             + CASE
                 WHEN c.team = 'data' AND w.k IN (30, 31) THEN 14
                 WHEN c.team = 'mobile' AND w.k = 40 THEN 16
                 WHEN c.team = 'platform' AND w.k = 47 THEN 12
                 ELSE 0
               END AS hours,
           w.k AS week_number
    FROM contractor c
    CROSS JOIN w
    WHERE w.week_start >= c.started_on
      AND (c.id * 3 + w.k) % 23 <> 0
  )
INSERT INTO timesheet (contractor_id, week_start, hours, cost, status)
SELECT contractor_id, week_start, hours, round(hours * hourly_rate, 2),
       CASE WHEN week_number = 51 AND contractor_id % 4 = 0 THEN 'submitted' ELSE 'approved' END
FROM sheet;
