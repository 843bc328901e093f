-- +goose Up
-- The time zone each user's browser reports (an IANA name such as Europe/Berlin), so the server
-- renders times in it (views/components/time.templ). NULL until the browser has said; times are
-- then rendered in UTC. A preference of the person, not of a tenant: it sits on the users row.
ALTER TABLE users ADD COLUMN time_zone text;

-- +goose Down
ALTER TABLE users DROP COLUMN time_zone;
