-- Accounts. Guests get a row too (is_guest) so their uploads and jobs have an owner before they register.
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Stored as typed; uniqueness ignores case (citext-like) through the lower(email) index below.
  email text NULL UNIQUE,
  display_name text NULL,
  role text NOT NULL DEFAULT 'user',
  is_guest boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_shape CHECK (email IS NULL OR position('@' IN email) > 1)
);

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
