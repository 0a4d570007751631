-- Sample data: 24 applicants and 40 applications from January to March 2025, with
-- the review history of those already in review or decided. Amounts are in
-- the application's currency.

INSERT INTO applicant (name, email, country) VALUES
  ('Amelia Hartley', 'amelia.hartley@example.com', 'GB'),
  ('Jonas Becker', 'jonas.becker@example.com', 'DE'),
  ('Lucía Fernández', 'lucia.fernandez@example.com', 'ES'),
  ('Marcus Reid', 'marcus.reid@example.com', 'US'),
  ('Sofia Lindqvist', 'sofia.lindqvist@example.com', 'SE'),
  ('Tomasz Nowak', 'tomasz.nowak@example.com', 'PL'),
  ('Chloé Martin', 'chloe.martin@example.com', 'FR'),
  ('Daniel Okafor', 'daniel.okafor@example.com', 'GB'),
  ('Giulia Romano', 'giulia.romano@example.com', 'IT'),
  ('Henrik Larsen', 'henrik.larsen@example.com', 'DK'),
  ('Isabel Costa', 'isabel.costa@example.com', 'PT'),
  ('Kevin O''Brien', 'kevin.obrien@example.com', 'IE'),
  ('Lena Vogel', 'lena.vogel@example.com', 'AT'),
  ('Mateo Silva', 'mateo.silva@example.com', 'US'),
  ('Noor Haddad', 'noor.haddad@example.com', 'NL'),
  ('Oliver Grant', 'oliver.grant@example.com', 'US'),
  ('Petra Novák', 'petra.novak@example.com', 'CZ'),
  ('Rafael Moreno', 'rafael.moreno@example.com', 'ES'),
  ('Sarah Whitfield', 'sarah.whitfield@example.com', 'GB'),
  ('Thomas Müller', 'thomas.mueller@example.com', 'DE'),
  ('Yuki Tanaka', 'yuki.tanaka@example.com', 'US'),
  ('Zoe Papadopoulos', 'zoe.papadopoulos@example.com', 'GR'),
  ('Emma Dubois', 'emma.dubois@example.com', 'BE'),
  ('Aidan Walsh', 'aidan.walsh@example.com', 'IE');

INSERT INTO loan_application (applicant_id, amount, currency, purpose, term_months, status, submitted_at, reviewer, review_started_at, decided_by, decided_at, decision_note) VALUES
  (18, 9900.00, 'EUR', 'Home renovation', 36, 'submitted', '2025-01-08 02:47:00+00', NULL, NULL, NULL, NULL, NULL),
  (18, 27740.00, 'EUR', 'Debt consolidation', 36, 'rejected', '2025-01-09 17:19:00+00', 'omar@loans.example', '2025-01-10 16:19:00+00', 'omar@loans.example', '2025-01-12 16:19:00+00', 'Recent defaults on the credit report.'),
  (6, 12850.00, 'EUR', 'Kitchen remodel', 36, 'in_review', '2025-01-11 08:45:00+00', 'omar@loans.example', '2025-01-12 08:45:00+00', NULL, NULL, NULL),
  (15, 47080.00, 'EUR', 'Working capital', 6, 'in_review', '2025-01-13 03:02:00+00', 'olivia@loans.example', '2025-01-14 03:02:00+00', NULL, NULL, NULL),
  (16, 46230.00, 'USD', 'Kitchen remodel', 6, 'in_review', '2025-01-14 17:36:00+00', 'omar@loans.example', '2025-01-15 17:36:00+00', NULL, NULL, NULL),
  (12, 28470.00, 'EUR', 'Home renovation', 24, 'submitted', '2025-01-16 01:17:00+00', NULL, NULL, NULL, NULL, NULL),
  (9, 32380.00, 'EUR', 'Solar panels', 6, 'approved', '2025-01-17 18:29:00+00', 'omar@loans.example', '2025-01-18 15:29:00+00', 'omar@loans.example', '2025-01-18 19:29:00+00', 'Guarantor confirmed.'),
  (6, 24460.00, 'EUR', 'Tuition', 12, 'in_review', '2025-01-19 08:20:00+00', 'olivia@loans.example', '2025-01-20 12:20:00+00', NULL, NULL, NULL),
  (16, 138100.00, 'USD', 'Wedding', 36, 'submitted', '2025-01-21 01:31:00+00', NULL, NULL, NULL, NULL, NULL),
  (9, 47370.00, 'EUR', 'Working capital', 48, 'submitted', '2025-01-22 15:14:00+00', NULL, NULL, NULL, NULL, NULL),
  (3, 97900.00, 'EUR', 'Working capital', 12, 'rejected', '2025-01-24 07:17:00+00', 'olivia@loans.example', '2025-01-25 02:17:00+00', 'sana@loans.example', '2025-01-26 16:17:00+00', 'Debt-to-income ratio above policy.'),
  (14, 29860.00, 'USD', 'Wedding', 18, 'submitted', '2025-01-25 16:32:00+00', NULL, NULL, NULL, NULL, NULL),
  (20, 35900.00, 'EUR', 'Debt consolidation', 24, 'approved', '2025-01-27 12:37:00+00', 'omar@loans.example', '2025-01-28 16:37:00+00', 'omar@loans.example', '2025-01-30 21:37:00+00', 'Income and credit history verified.'),
  (3, 21990.00, 'EUR', 'Car purchase', 6, 'in_review', '2025-01-29 00:14:00+00', 'olivia@loans.example', '2025-01-29 09:14:00+00', NULL, NULL, NULL),
  (19, 73800.00, 'GBP', 'Solar panels', 12, 'rejected', '2025-01-30 10:55:00+00', 'olivia@loans.example', '2025-01-31 13:55:00+00', 'sana@loans.example', '2025-02-01 10:55:00+00', 'Recent defaults on the credit report.'),
  (20, 7210.00, 'EUR', 'Equipment lease', 60, 'in_review', '2025-02-01 06:53:00+00', 'omar@loans.example', '2025-02-02 15:53:00+00', NULL, NULL, NULL),
  (3, 193700.00, 'EUR', 'Working capital', 240, 'approved', '2025-02-02 16:21:00+00', 'olivia@loans.example', '2025-02-03 08:21:00+00', 'sana@loans.example', '2025-02-06 05:21:00+00', 'Stable employment, low debt ratio.'),
  (23, 2760.00, 'EUR', 'Wedding', 36, 'approved', '2025-02-04 08:53:00+00', 'olivia@loans.example', '2025-02-05 03:53:00+00', 'olivia@loans.example', '2025-02-07 02:53:00+00', 'Collateral valued above the loan amount.'),
  (18, 16830.00, 'EUR', 'Solar panels', 12, 'approved', '2025-02-05 22:27:00+00', 'olivia@loans.example', '2025-02-07 02:27:00+00', 'olivia@loans.example', '2025-02-08 05:27:00+00', 'Guarantor confirmed.'),
  (24, 60200.00, 'EUR', 'Home renovation', 240, 'approved', '2025-02-07 13:12:00+00', 'omar@loans.example', '2025-02-08 20:12:00+00', 'sana@loans.example', '2025-02-10 18:12:00+00', 'Stable employment, low debt ratio.'),
  (8, 142000.00, 'GBP', 'Delivery van', 48, 'in_review', '2025-02-09 07:03:00+00', 'olivia@loans.example', '2025-02-10 16:03:00+00', NULL, NULL, NULL),
  (12, 5440.00, 'EUR', 'Home renovation', 48, 'approved', '2025-02-10 15:46:00+00', 'omar@loans.example', '2025-02-11 06:46:00+00', 'omar@loans.example', '2025-02-13 15:46:00+00', 'Stable employment, low debt ratio.'),
  (24, 20160.00, 'EUR', 'Working capital', 6, 'submitted', '2025-02-12 06:22:00+00', NULL, NULL, NULL, NULL, NULL),
  (1, 222400.00, 'GBP', 'Wedding', 240, 'approved', '2025-02-13 23:45:00+00', 'olivia@loans.example', '2025-02-14 03:45:00+00', 'sana@loans.example', '2025-02-14 06:45:00+00', 'Income and credit history verified.'),
  (24, 21670.00, 'EUR', 'Medical expenses', 60, 'rejected', '2025-02-15 12:52:00+00', 'olivia@loans.example', '2025-02-15 16:52:00+00', 'olivia@loans.example', '2025-02-18 10:52:00+00', 'Could not verify income documents.'),
  (11, 20980.00, 'EUR', 'Delivery van', 12, 'in_review', '2025-02-17 00:22:00+00', 'omar@loans.example', '2025-02-18 08:22:00+00', NULL, NULL, NULL),
  (19, 25530.00, 'GBP', 'Wedding', 60, 'submitted', '2025-02-18 21:56:00+00', NULL, NULL, NULL, NULL, NULL),
  (5, 2370.00, 'EUR', 'Car purchase', 24, 'submitted', '2025-02-20 06:50:00+00', NULL, NULL, NULL, NULL, NULL),
  (5, 142600.00, 'EUR', 'Debt consolidation', 12, 'approved', '2025-02-22 00:19:00+00', 'omar@loans.example', '2025-02-22 09:19:00+00', 'sana@loans.example', '2025-02-22 18:19:00+00', 'Collateral valued above the loan amount.'),
  (9, 73100.00, 'EUR', 'Medical expenses', 12, 'in_review', '2025-02-23 10:28:00+00', 'omar@loans.example', '2025-02-24 21:28:00+00', NULL, NULL, NULL),
  (17, 106300.00, 'EUR', 'Working capital', 48, 'approved', '2025-02-25 08:20:00+00', 'omar@loans.example', '2025-02-26 22:20:00+00', 'sana@loans.example', '2025-02-28 01:20:00+00', 'Guarantor confirmed.'),
  (14, 136800.00, 'USD', 'Kitchen remodel', 48, 'rejected', '2025-02-26 19:52:00+00', 'olivia@loans.example', '2025-02-27 17:52:00+00', 'sana@loans.example', '2025-02-28 10:52:00+00', 'Could not verify income documents.'),
  (21, 8150.00, 'USD', 'Kitchen remodel', 12, 'approved', '2025-02-28 11:26:00+00', 'olivia@loans.example', '2025-03-01 15:26:00+00', 'olivia@loans.example', '2025-03-02 21:26:00+00', 'Collateral valued above the loan amount.'),
  (14, 20280.00, 'USD', 'Solar panels', 24, 'submitted', '2025-03-01 21:58:00+00', NULL, NULL, NULL, NULL, NULL),
  (3, 2410.00, 'EUR', 'Home renovation', 36, 'rejected', '2025-03-03 16:28:00+00', 'olivia@loans.example', '2025-03-04 19:28:00+00', 'olivia@loans.example', '2025-03-07 14:28:00+00', 'Debt-to-income ratio above policy.'),
  (8, 6370.00, 'GBP', 'Working capital', 18, 'submitted', '2025-03-05 03:26:00+00', NULL, NULL, NULL, NULL, NULL),
  (9, 39620.00, 'EUR', 'Working capital', 60, 'submitted', '2025-03-06 18:13:00+00', NULL, NULL, NULL, NULL, NULL),
  (18, 28030.00, 'EUR', 'Equipment lease', 48, 'approved', '2025-03-08 09:17:00+00', 'omar@loans.example', '2025-03-08 15:17:00+00', 'omar@loans.example', '2025-03-10 23:17:00+00', 'Income and credit history verified.'),
  (1, 38780.00, 'GBP', 'Equipment lease', 6, 'submitted', '2025-03-09 21:40:00+00', NULL, NULL, NULL, NULL, NULL),
  (4, 17270.00, 'USD', 'Car purchase', 36, 'in_review', '2025-03-11 15:59:00+00', 'omar@loans.example', '2025-03-12 02:59:00+00', NULL, NULL, NULL);

-- The history the status trigger would have written had these changes gone through the actions.
INSERT INTO loan_decision (application_id, from_status, to_status, actor, note, decided_at)
SELECT id, 'submitted', 'in_review', reviewer, NULL, review_started_at FROM loan_application WHERE reviewer IS NOT NULL
UNION ALL
SELECT id, 'in_review', status, decided_by, decision_note, decided_at FROM loan_application WHERE status IN ('approved', 'rejected')
ORDER BY 6;
