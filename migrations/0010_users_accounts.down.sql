ALTER TABLE users
  DROP CONSTRAINT users_plan_known,
  DROP CONSTRAINT users_scopes_known,
  DROP COLUMN plan,
  DROP COLUMN scopes,
  DROP COLUMN email_verified_at,
  DROP COLUMN password_hash;
