-- Applicants, their loan applications and the history of every status change.
-- Tables are created in the first schema of the connection's search_path.

CREATE TABLE applicant (
  id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL,
  email      text NOT NULL UNIQUE,
  country    char(2) NOT NULL
);

CREATE TABLE loan_application (
  id                integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  applicant_id      integer NOT NULL REFERENCES applicant (id),
  amount            numeric(12, 2) NOT NULL CHECK (amount > 0),
  currency          char(3) NOT NULL CHECK (currency IN ('EUR', 'USD', 'GBP')),
  purpose           text NOT NULL,
  term_months       integer NOT NULL CHECK (term_months BETWEEN 6 AND 360),
  status            text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'in_review', 'approved', 'rejected')),
  submitted_at      timestamptz NOT NULL DEFAULT now(),
  reviewer          text,
  review_started_at timestamptz,
  decided_by        text,
  decided_at        timestamptz,
  decision_note     text,
  -- A decided application always records who decided it and when.
  CHECK (status NOT IN ('approved', 'rejected') OR (decided_by IS NOT NULL AND decided_at IS NOT NULL))
);

CREATE INDEX loan_application_status ON loan_application (status);

CREATE TABLE loan_decision (
  id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id integer NOT NULL REFERENCES loan_application (id),
  from_status    text NOT NULL,
  to_status      text NOT NULL,
  actor          text NOT NULL,
  note           text,
  decided_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX loan_decision_application ON loan_decision (application_id);

-- Every status change writes one history row in the same transaction as the
-- change, so the history cannot miss a decision made through any action.
CREATE FUNCTION record_loan_decision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO loan_decision (application_id, from_status, to_status, actor, note, decided_at)
  VALUES (
    NEW.id,
    OLD.status,
    NEW.status,
    CASE WHEN NEW.status = 'in_review' THEN NEW.reviewer ELSE NEW.decided_by END,
    CASE WHEN NEW.status = 'in_review' THEN NULL ELSE NEW.decision_note END,
    now()
  );
  RETURN NEW;
END;
$$;

CREATE TRIGGER loan_application_status_changed
  AFTER UPDATE OF status ON loan_application
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION record_loan_decision();
