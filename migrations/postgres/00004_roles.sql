-- +goose Up
-- Roles per tenant. Casbin keeps the rules (casbin_rule: p, role, tenant, resource, action and
-- g, user, role, tenant); this table gives each role an id, a flag for the system roles that
-- every tenant has, and a place for the UI to count members.
CREATE TABLE roles (
    id          uuid         PRIMARY KEY,
    tenant_id   uuid         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        varchar(100) NOT NULL,
    description varchar(500) NOT NULL DEFAULT '',
    is_system   boolean      NOT NULL DEFAULT false,
    created_at  timestamptz  NOT NULL,
    updated_at  timestamptz  NOT NULL
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

-- Tenants created before this migration get the system roles and the default matrix that new
-- tenants get from CreateTenant (models.DefaultMatrix; keep the two in step). No events are
-- written for this one-off backfill.
INSERT INTO roles (id, tenant_id, name, description, is_system, created_at, updated_at)
SELECT gen_random_uuid(), t.id, r.name, r.description, true, now(), now()
FROM tenants t CROSS JOIN (
    SELECT 'admin' AS name, 'Manages everything in the tenant.' AS description
    UNION ALL SELECT 'manager' AS name, 'Edits and publishes content and products, adjusts inventory, reads users and events.' AS description
    UNION ALL SELECT 'customer' AS name, 'Reads content and products.' AS description
) r;
INSERT INTO casbin_rule (ptype, v0, v1, v2, v3)
SELECT 'p', m.role, t.id::text, m.resource, m.action
FROM tenants t CROSS JOIN (
    SELECT 'admin' AS role, 'users' AS resource, 'manage' AS action
    UNION ALL SELECT 'admin' AS role, 'roles' AS resource, 'manage' AS action
    UNION ALL SELECT 'admin' AS role, 'settings' AS resource, 'manage' AS action
    UNION ALL SELECT 'admin' AS role, 'nodes' AS resource, 'manage' AS action
    UNION ALL SELECT 'admin' AS role, 'products' AS resource, 'manage' AS action
    UNION ALL SELECT 'admin' AS role, 'inventory' AS resource, 'manage' AS action
    UNION ALL SELECT 'admin' AS role, 'events' AS resource, 'manage' AS action
    UNION ALL SELECT 'manager' AS role, 'nodes' AS resource, 'list' AS action
    UNION ALL SELECT 'manager' AS role, 'nodes' AS resource, 'read' AS action
    UNION ALL SELECT 'manager' AS role, 'nodes' AS resource, 'create' AS action
    UNION ALL SELECT 'manager' AS role, 'nodes' AS resource, 'update' AS action
    UNION ALL SELECT 'manager' AS role, 'nodes' AS resource, 'delete' AS action
    UNION ALL SELECT 'manager' AS role, 'nodes' AS resource, 'publish' AS action
    UNION ALL SELECT 'manager' AS role, 'products' AS resource, 'list' AS action
    UNION ALL SELECT 'manager' AS role, 'products' AS resource, 'read' AS action
    UNION ALL SELECT 'manager' AS role, 'products' AS resource, 'create' AS action
    UNION ALL SELECT 'manager' AS role, 'products' AS resource, 'update' AS action
    UNION ALL SELECT 'manager' AS role, 'products' AS resource, 'delete' AS action
    UNION ALL SELECT 'manager' AS role, 'products' AS resource, 'publish' AS action
    UNION ALL SELECT 'manager' AS role, 'inventory' AS resource, 'list' AS action
    UNION ALL SELECT 'manager' AS role, 'inventory' AS resource, 'read' AS action
    UNION ALL SELECT 'manager' AS role, 'inventory' AS resource, 'update' AS action
    UNION ALL SELECT 'manager' AS role, 'events' AS resource, 'list' AS action
    UNION ALL SELECT 'manager' AS role, 'events' AS resource, 'read' AS action
    UNION ALL SELECT 'manager' AS role, 'users' AS resource, 'list' AS action
    UNION ALL SELECT 'manager' AS role, 'users' AS resource, 'read' AS action
    UNION ALL SELECT 'customer' AS role, 'nodes' AS resource, 'list' AS action
    UNION ALL SELECT 'customer' AS role, 'nodes' AS resource, 'read' AS action
    UNION ALL SELECT 'customer' AS role, 'products' AS resource, 'list' AS action
    UNION ALL SELECT 'customer' AS role, 'products' AS resource, 'read' AS action
) m;

-- +goose Down
DROP INDEX casbin_rule_policy_domain;
DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = 'super_admin' AND v1 = '*';
DELETE FROM casbin_rule WHERE ptype = 'p' AND v1 IN (SELECT CAST(tenant_id AS TEXT) FROM roles WHERE is_system);
DROP TABLE roles;
