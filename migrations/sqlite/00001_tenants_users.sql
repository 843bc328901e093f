-- +goose Up
CREATE TABLE tenants (
    id             text    PRIMARY KEY,
    slug           text    NOT NULL,
    name           text    NOT NULL,
    domain         text,
    is_active      boolean NOT NULL DEFAULT 1,
    default_locale text    NOT NULL DEFAULT 'en',
    locales        text    NOT NULL DEFAULT '["en"]',
    settings       text    NOT NULL DEFAULT '{}',
    created_at     datetime NOT NULL,
    updated_at     datetime NOT NULL
);
CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug);
CREATE UNIQUE INDEX tenants_domain_key ON tenants (domain) WHERE domain IS NOT NULL;

CREATE TABLE users (
    id            text     PRIMARY KEY,
    email         text     NOT NULL,
    name          text     NOT NULL DEFAULT '',
    password_hash text     NOT NULL,
    status        text     NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'banned')),
    last_login_at datetime,
    created_at    datetime NOT NULL,
    updated_at    datetime NOT NULL
);
-- Emails are unique without regard to case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- +goose Down
DROP TABLE users;
DROP TABLE tenants;
