-- +goose Up
-- One-time set-password links (invitations). Only the SHA-256 of a token is stored, so a copy of
-- the database cannot be used to take over an account; a link works once, for 48 hours.
CREATE TABLE password_tokens (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash varchar(64) NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX password_tokens_token_hash_key ON password_tokens (token_hash);
CREATE INDEX password_tokens_user ON password_tokens (user_id);

-- +goose Down
DROP TABLE password_tokens;
