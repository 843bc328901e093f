-- +goose Up
-- The table casbin/gorm-adapter expects; we own its schema, the adapter's auto-migration stays off.
-- Memberships are grouping rows: ptype 'g', v0 user id, v1 role, v2 tenant id ('*' = every tenant).
CREATE TABLE casbin_rule (
    id    bigserial    PRIMARY KEY,
    ptype varchar(100) NOT NULL DEFAULT '',
    v0    varchar(100) NOT NULL DEFAULT '',
    v1    varchar(100) NOT NULL DEFAULT '',
    v2    varchar(100) NOT NULL DEFAULT '',
    v3    varchar(100) NOT NULL DEFAULT '',
    v4    varchar(100) NOT NULL DEFAULT '',
    v5    varchar(100) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX idx_casbin_rule ON casbin_rule (ptype, v0, v1, v2, v3, v4, v5);
CREATE INDEX casbin_rule_domain ON casbin_rule (ptype, v2);

-- +goose Down
DROP TABLE casbin_rule;
