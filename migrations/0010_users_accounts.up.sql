-- Accounts on top of guest users: a password (argon2id/PBKDF2 encoded string, null for guests and OIDC-only users),
-- email verification, scopes (roles) and the plan. Email uniqueness already ignores case (users_email_lower_key).
ALTER TABLE users
  ADD COLUMN password_hash text NULL,
  ADD COLUMN email_verified_at timestamptz NULL,
  ADD COLUMN scopes text[] NOT NULL DEFAULT '{}',
  ADD COLUMN plan text NOT NULL DEFAULT 'free',
  ADD CONSTRAINT users_scopes_known CHECK (scopes <@ ARRAY['fixer', 'verifier', 'curator', 'admin']::text[]),
  ADD CONSTRAINT users_plan_known CHECK (plan IN ('free', 'pro'));
