-- A login in progress ends with its pending authorization (10 minutes):
-- `pending_until` is when; an anonymous session ends then too. The periodic
-- sweep deletes expired sessions (found by `expires_at`) and clears expired
-- pending logins.
ALTER TABLE sessions ADD COLUMN pending_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_expires_at ON sessions(expires_at);
