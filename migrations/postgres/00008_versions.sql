-- +goose Up
-- Optimistic locking for the edit forms: every update of a row bumps its version, and a form
-- saves only while the row still has the version it was loaded from (models/version.go).
-- Existing rows start at 1, as new ones do.
ALTER TABLE nodes ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE roles ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE tenants ADD COLUMN version integer NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE tenants DROP COLUMN version;
ALTER TABLE roles DROP COLUMN version;
ALTER TABLE users DROP COLUMN version;
ALTER TABLE nodes DROP COLUMN version;
