-- +goose Up
-- Tenant settings (issue 15): the tenant's time zone (an IANA name; schedules and times are
-- shown in the viewer's own zone, this one is the tenant's default) and whether its members
-- must sign in with a second factor.
ALTER TABLE tenants ADD COLUMN time_zone varchar(64) NOT NULL DEFAULT 'UTC';
ALTER TABLE tenants ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE tenants DROP COLUMN require_two_factor;
ALTER TABLE tenants DROP COLUMN time_zone;
