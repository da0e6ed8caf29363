-- Several processes on one database (issue 14).
-- A refresh lease: a process refreshing a user's token first sets
-- `refreshing_until` (milliseconds since the epoch) and `refresh_owner` with a
-- compare-and-swap; the others wait for the row's `version` to change. A lease
-- left by a killed process ends by itself at `refreshing_until`. (PostgreSQL
-- takes a row lock instead by default: see web/src/store/postgres.rs.)
ALTER TABLE tokens ADD COLUMN refreshing_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN refresh_owner TEXT;

-- Spotify's 429, for the whole app: no request of `kind` ("accounts" for the
-- token endpoint, "api" for the Web API) is sent before `until_ms`.
CREATE TABLE rate_limits (
    kind      TEXT PRIMARY KEY NOT NULL,
    until_ms  BIGINT NOT NULL
);
