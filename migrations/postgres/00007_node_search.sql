-- +goose Up
-- title_search holds the title lowercased by Go (strings.ToLower) so that the node list can
-- search titles case-insensitively in any script with one LIKE that works the same on both
-- databases (SQLite's lower() folds ASCII only). Rows written before this migration get
-- PostgreSQL's lower(), which agrees with Go for the scripts we serve.
ALTER TABLE node_translations ADD COLUMN title_search text NOT NULL DEFAULT '';
UPDATE node_translations SET title_search = lower(title);

-- The default node list: one tenant, newest change first, ties broken by id. And the author
-- filter and its list of authors.
CREATE INDEX nodes_tenant_updated ON nodes (tenant_id, updated_at, id);
CREATE INDEX nodes_tenant_author ON nodes (tenant_id, author_id);

-- +goose Down
DROP INDEX nodes_tenant_author;
DROP INDEX nodes_tenant_updated;
ALTER TABLE node_translations DROP COLUMN title_search;
