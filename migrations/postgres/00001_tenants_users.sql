-- +goose Up
CREATE TABLE tenants (
    id             uuid         PRIMARY KEY,
    slug           varchar(63)  NOT NULL,
    name           varchar(200) NOT NULL,
    domain         varchar(253),
    is_active      boolean      NOT NULL DEFAULT true,
    default_locale varchar(35)  NOT NULL DEFAULT 'en',
    locales        jsonb        NOT NULL DEFAULT '["en"]',
    settings       jsonb        NOT NULL DEFAULT '{}',
    created_at     timestamptz  NOT NULL,
    updated_at     timestamptz  NOT NULL
);
CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug);
CREATE UNIQUE INDEX tenants_domain_key ON tenants (domain) WHERE domain IS NOT NULL;

CREATE TABLE users (
    id            uuid         PRIMARY KEY,
    email         varchar(254) NOT NULL,
    name          varchar(200) NOT NULL DEFAULT '',
    password_hash text         NOT NULL,
    status        varchar(16)  NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'banned')),
    last_login_at timestamptz,
    created_at    timestamptz  NOT NULL,
    updated_at    timestamptz  NOT NULL
);
-- Emails are unique without regard to case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- +goose Down
DROP TABLE users;
DROP TABLE tenants;
