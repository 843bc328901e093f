-- +goose Up
-- Issue 15, item 2: a user may fix their time zone on the account page; the browser's report
-- (static/app.js) then no longer changes it. False: the zone follows the browser, as before.
ALTER TABLE users ADD COLUMN time_zone_fixed boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE users DROP COLUMN time_zone_fixed;
