-- Sample flags for the example, in three environments.
INSERT INTO environment (id, title, position) VALUES
  ('development', 'Development', 1),
  ('staging', 'Staging', 2),
  ('production', 'Production', 3);

INSERT INTO flag (key, description, owner, created_at) VALUES
  ('new-checkout', 'One-page checkout with saved cards.', 'payments@flags.example', '2026-09-02T09:15:00Z'),
  ('search-v2', 'Search backed by the new ranking service.', 'search@flags.example', '2026-09-20T14:02:00Z'),
  ('dark-mode', 'Dark theme in the customer portal.', 'web@flags.example', '2026-10-05T11:40:00Z'),
  ('invoice-pdf', 'PDF invoices rendered on the server.', 'billing@flags.example', '2026-10-18T08:30:00Z'),
  ('bulk-export', 'CSV export of up to 100,000 orders.', 'data@flags.example', '2026-11-03T16:20:00Z'),
  ('live-chat', 'Support chat widget on every page.', 'support@flags.example', '2026-11-21T10:05:00Z');

INSERT INTO flag_state (flag_key, environment, enabled, rollout, updated_by, updated_at) VALUES
  ('new-checkout', 'development', 1, 100, 'dana@flags.example', '2026-09-02T09:20:00Z'),
  ('new-checkout', 'staging', 1, 100, 'dana@flags.example', '2026-09-10T12:00:00Z'),
  ('new-checkout', 'production', 1, 25, 'dana@flags.example', '2026-11-28T08:45:00Z'),
  ('search-v2', 'development', 1, 100, 'eli@flags.example', '2026-09-20T14:05:00Z'),
  ('search-v2', 'staging', 1, 50, 'eli@flags.example', '2026-10-02T10:30:00Z'),
  ('search-v2', 'production', 0, 0, 'eli@flags.example', '2026-10-02T10:31:00Z'),
  ('dark-mode', 'development', 1, 100, 'dana@flags.example', '2026-10-05T11:45:00Z'),
  ('dark-mode', 'staging', 1, 100, 'dana@flags.example', '2026-10-12T09:00:00Z'),
  ('dark-mode', 'production', 1, 100, 'dana@flags.example', '2026-11-01T09:00:00Z'),
  ('invoice-pdf', 'development', 1, 100, 'eli@flags.example', '2026-10-18T08:35:00Z'),
  ('invoice-pdf', 'staging', 0, 100, NULL, NULL),
  ('invoice-pdf', 'production', 0, 100, NULL, NULL),
  ('bulk-export', 'development', 1, 100, 'dana@flags.example', '2026-11-03T16:25:00Z'),
  ('bulk-export', 'staging', 1, 10, 'dana@flags.example', '2026-11-15T13:10:00Z'),
  ('bulk-export', 'production', 0, 100, NULL, NULL),
  ('live-chat', 'development', 0, 100, NULL, NULL),
  ('live-chat', 'staging', 0, 100, NULL, NULL),
  ('live-chat', 'production', 0, 100, NULL, NULL);

INSERT INTO flag_change (flag_key, environment, field, old_value, new_value, changed_by, changed_at) VALUES
  ('new-checkout', 'production', 'enabled', 'off', 'on', 'dana@flags.example', '2026-11-20T08:00:00Z'),
  ('new-checkout', 'production', 'rollout', '5', '25', 'dana@flags.example', '2026-11-28T08:45:00Z'),
  ('search-v2', 'staging', 'rollout', '100', '50', 'eli@flags.example', '2026-10-02T10:30:00Z'),
  ('search-v2', 'production', 'enabled', 'on', 'off', 'eli@flags.example', '2026-10-02T10:31:00Z'),
  ('dark-mode', 'production', 'enabled', 'off', 'on', 'dana@flags.example', '2026-11-01T09:00:00Z'),
  ('bulk-export', 'staging', 'rollout', '100', '10', 'dana@flags.example', '2026-11-15T13:10:00Z');
