DROP TABLE ai_run_ledger;

DO $$
BEGIN
  IF col_description('users'::regclass,
       (SELECT attnum FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'plan' AND NOT attisdropped))
     = 'added by 0020_create_ai_run_ledger' THEN
    ALTER TABLE users DROP COLUMN plan;
  END IF;
END $$;
