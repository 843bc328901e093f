-- +goose Up
-- A set-password link is an invitation or a password reset (issue 15): the user list's
-- "invited" counts only invitations.
ALTER TABLE password_tokens ADD COLUMN purpose text NOT NULL DEFAULT 'invite';

-- +goose Down
ALTER TABLE password_tokens DROP COLUMN purpose;
