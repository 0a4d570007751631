-- The actions write one row each: a new flag, or a change in flag_change
-- with the signed-in user's email. These triggers apply that row to the flag
-- state in the same statement, so the history and the state cannot disagree.
-- They come after the sample data, which sets the state and history itself.
CREATE TRIGGER flag_created AFTER INSERT ON flag
BEGIN
  INSERT INTO flag_state (flag_key, environment, enabled, rollout, updated_by, updated_at)
  SELECT NEW.key, id, 0, 100, NEW.owner, NEW.created_at FROM environment;
  INSERT INTO flag_change (flag_key, environment, field, old_value, new_value, changed_by, changed_at)
  VALUES (NEW.key, NULL, 'created', NULL, NEW.description, NEW.owner, NEW.created_at);
END;

-- A rollout outside 0 to 100 fails the CHECK of flag_state, which fails the
-- action's insert as well.
CREATE TRIGGER flag_change_applied AFTER INSERT ON flag_change
WHEN NEW.field IN ('enabled', 'rollout')
BEGIN
  UPDATE flag_state
  SET enabled = CASE WHEN NEW.field = 'enabled' THEN NEW.new_value = 'on' ELSE enabled END,
      rollout = CASE WHEN NEW.field = 'rollout' THEN CAST(NEW.new_value AS INTEGER) ELSE rollout END,
      updated_by = NEW.changed_by,
      updated_at = NEW.changed_at
  WHERE flag_key = NEW.flag_key AND environment = NEW.environment;
END;
