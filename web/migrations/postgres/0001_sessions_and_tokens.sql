-- One row per Spotify user, shared by that user's sessions. The tokens are
-- sealed (XChaCha20-Poly1305, key outside the database); `version` grows by
-- one at every refresh, so a refresh can be a compare-and-swap across replicas.
CREATE TABLE tokens (
    user_id        TEXT PRIMARY KEY NOT NULL,
    display_name   TEXT,
    access_token   BYTEA NOT NULL,
    refresh_token  BYTEA NOT NULL,
    token_type     TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    expires_at     BIGINT NOT NULL,
    consented_at   BIGINT NOT NULL,
    obtained_at    BIGINT NOT NULL,
    client_id      TEXT NOT NULL,
    pkce           BOOLEAN NOT NULL,
    version        BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- A browser's session, found by the SHA-256 of its cookie (a copy of the
-- database holds no usable cookie). `pending` is the sealed step-1 state of a
-- login in progress; `user_id` is set once the callback succeeded.
CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT REFERENCES tokens(user_id) ON DELETE CASCADE,
    pending     BYTEA,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions(user_id);
