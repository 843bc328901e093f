-- +goose Up
-- Issue 15: a row per browser session, so a user can see theirs and end any of them (the session
-- itself lives in Redis or memory, keyed by its cookie; this row is keyed by a separate handle
-- the session carries, never by the cookie), and two-factor sign-in (TOTP, recovery codes).
CREATE TABLE user_sessions (
    id            text        PRIMARY KEY,
    user_id       text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent    text        NOT NULL DEFAULT '',
    ip            text        NOT NULL DEFAULT '',
    second_factor text        NOT NULL DEFAULT '',
    signed_in_at  datetime NOT NULL,
    last_seen_at  datetime NOT NULL,
    ended_at      datetime
);
CREATE INDEX user_sessions_active ON user_sessions (user_id, signed_in_at) WHERE ended_at IS NULL;

ALTER TABLE users ADD COLUMN totp_secret text;
ALTER TABLE users ADD COLUMN totp_enabled_at datetime;
ALTER TABLE users ADD COLUMN totp_last_step integer NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  text        NOT NULL,
    used_at    datetime,
    created_at datetime NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE recovery_codes;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_enabled_at;
ALTER TABLE users DROP COLUMN totp_secret;
DROP TABLE user_sessions;
