-- +goose Up
-- Content nodes (posts and pages) and one translation per tenant locale. kind and tenant_id are
-- copied onto each translation so that slugs can be unique per tenant, kind and locale.
CREATE TABLE nodes (
    id           uuid        PRIMARY KEY,
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind         varchar(16) NOT NULL CHECK (kind IN ('post', 'page')),
    status       varchar(16) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    author_id    uuid        NOT NULL REFERENCES users (id),
    parent_id    uuid        REFERENCES nodes (id) ON DELETE SET NULL,
    position     integer     NOT NULL DEFAULT 0,
    published_at timestamptz,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CHECK (parent_id IS NULL OR kind = 'page')
);
CREATE INDEX nodes_tenant_kind_status ON nodes (tenant_id, kind, status);
CREATE INDEX nodes_parent ON nodes (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE node_translations (
    id         uuid         PRIMARY KEY,
    node_id    uuid         NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    tenant_id  uuid         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       varchar(16)  NOT NULL CHECK (kind IN ('post', 'page')),
    locale     varchar(35)  NOT NULL,
    title      varchar(200) NOT NULL,
    slug       varchar(100) NOT NULL,
    excerpt    varchar(500) NOT NULL DEFAULT '',
    body       text         NOT NULL DEFAULT '',
    created_at timestamptz  NOT NULL,
    updated_at timestamptz  NOT NULL
);
CREATE UNIQUE INDEX node_translations_slug_key ON node_translations (tenant_id, kind, locale, slug);
CREATE UNIQUE INDEX node_translations_node_locale_key ON node_translations (node_id, locale);

-- +goose Down
DROP TABLE node_translations;
DROP TABLE nodes;
