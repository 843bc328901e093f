-- +goose Up
-- A user's session epoch: a session keeps the epoch it was signed in with, and ends when the
-- user's has moved on. A password change moves it, so every other session of the user is signed
-- out on its next request (a counter, not a time: no clock decides it).
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN session_epoch;
