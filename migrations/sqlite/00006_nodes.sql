-- +goose Up
-- Content nodes (posts and pages) and one translation per tenant locale. kind and tenant_id are
-- copied onto each translation so that slugs can be unique per tenant, kind and locale.
CREATE TABLE nodes (
    id           text     PRIMARY KEY,
    tenant_id    text     NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind         text     NOT NULL CHECK (kind IN ('post', 'page')),
    status       text     NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    author_id    text     NOT NULL REFERENCES users (id),
    parent_id    text     REFERENCES nodes (id) ON DELETE SET NULL,
    position     integer  NOT NULL DEFAULT 0,
    published_at datetime,
    created_at   datetime NOT NULL,
    updated_at   datetime NOT NULL,
    CHECK (parent_id IS NULL OR kind = 'page')
);
CREATE INDEX nodes_tenant_kind_status ON nodes (tenant_id, kind, status);
CREATE INDEX nodes_parent ON nodes (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE node_translations (
    id         text     PRIMARY KEY,
    node_id    text     NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    tenant_id  text     NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       text     NOT NULL CHECK (kind IN ('post', 'page')),
    locale     text     NOT NULL,
    title      text     NOT NULL,
    slug       text     NOT NULL,
    excerpt    text     NOT NULL DEFAULT '',
    body       text     NOT NULL DEFAULT '',
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL
);
CREATE UNIQUE INDEX node_translations_slug_key ON node_translations (tenant_id, kind, locale, slug);
CREATE UNIQUE INDEX node_translations_node_locale_key ON node_translations (node_id, locale);

-- +goose Down
DROP TABLE node_translations;
DROP TABLE nodes;
