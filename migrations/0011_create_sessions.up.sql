-- Refresh-token families. One row per sign-in; `current_jti` is the only refresh token that rotates the family.
-- Presenting an older one (reuse of a stolen token) revokes the whole family.
CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  current_jti uuid NOT NULL,
  -- The token rotated away last, and when: a browser racing two requests may still send it for a moment.
  previous_jti uuid NULL,
  rotated_at timestamptz NULL,
  user_agent text NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz NULL,
  revoked_reason text NULL
);

CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;
