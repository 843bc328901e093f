-- +goose Up
-- Roles per tenant. Casbin keeps the rules (casbin_rule: p, role, tenant, resource, action and
-- g, user, role, tenant); this table gives each role an id, a flag for the system roles that
-- every tenant has, and a place for the UI to count members.
CREATE TABLE roles (
    id          text         PRIMARY KEY,
    tenant_id   text         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    is_system   boolean      NOT NULL DEFAULT 0,
    created_at  datetime     NOT NULL,
    updated_at  datetime     NOT NULL
);
CREATE UNIQUE INDEX roles_tenant_name_key ON roles (tenant_id, name);
-- Policies are loaded one tenant at a time: p rows by domain (v1), as g rows already are (v2).
CREATE INDEX casbin_rule_policy_domain ON casbin_rule (ptype, v1);

-- The platform role: super_admin manages every resource in every tenant ("*").
INSERT INTO casbin_rule (ptype, v0, v1, v2, v3) VALUES
    ('p', 'super_admin', '*', 'tenants', 'manage'),
    ('p', 'super_admin', '*', 'users', 'manage'),
    ('p', 'super_admin', '*', 'roles', 'manage'),
    ('p', 'super_admin', '*', 'settings', 'manage'),
    ('p', 'super_admin', '*', 'nodes', 'manage'),
    ('p', 'super_admin', '*', 'products', 'manage'),
    ('p', 'super_admin', '*', 'inventory', 'manage'),
    ('p', 'super_admin', '*', 'events', 'manage');

-- +goose Down
DROP INDEX casbin_rule_policy_domain;
DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = 'super_admin' AND v1 = '*';
DROP TABLE roles;
