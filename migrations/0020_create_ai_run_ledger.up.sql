-- Quota: one row per generate_map job counted against its user's monthly AI runs (web/lib/quota.ts).
-- A machine failure refunds the run (refunded_at set); a failure caused by the input does not.

-- users.plan belongs to the accounts migrations (0010-0019); add it here only when they have not, and mark the
-- column so the down migration removes it only in that case.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = 'users' AND column_name = 'plan') THEN
    ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';
    COMMENT ON COLUMN users.plan IS 'added by 0020_create_ai_run_ledger';
  END IF;
END $$;

CREATE TABLE ai_run_ledger (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  job_id uuid NOT NULL UNIQUE REFERENCES ai_jobs (id) ON DELETE CASCADE,
  -- First day of the calendar month (UTC) the run counts in.
  period date NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  refunded_at timestamptz NULL,
  refund_reason text NULL
);

-- Counting a user's runs this month reads only unrefunded rows of one (user, period).
CREATE INDEX ai_run_ledger_user_period_idx ON ai_run_ledger (user_id, period) WHERE refunded_at IS NULL;
