-- +goose Up
-- The catalog import (see the PostgreSQL migration). SQLite cannot change a CHECK constraint,
-- so the ledger is rebuilt with the 'import' reason and its job_run_id column; nothing refers
-- to the ledger, so dropping the old table removes nothing else.
CREATE TABLE uploads (
    id          text     PRIMARY KEY,
    tenant_id   text     NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_by  text     REFERENCES users (id) ON DELETE SET NULL,
    name        text     NOT NULL,
    size        integer  NOT NULL DEFAULT 0,
    complete    boolean  NOT NULL DEFAULT false,
    expires_at  datetime NOT NULL,
    created_at  datetime NOT NULL
);
CREATE INDEX uploads_expires ON uploads (expires_at);

CREATE TABLE upload_chunks (
    upload_id text    NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    data      blob    NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

ALTER TABLE job_runs ADD COLUMN stats text NOT NULL DEFAULT '';

CREATE TABLE inventory_ledger_new (
    id             text     PRIMARY KEY,
    tenant_id      text     NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    product_id     text     NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id     text     NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    delta          integer  NOT NULL,
    quantity_after integer  NOT NULL,
    reason         text     NOT NULL CHECK (reason IN ('received', 'correction', 'damaged', 'shrinkage', 'returned', 'other', 'import')),
    note           text     NOT NULL DEFAULT '',
    actor_id       text     REFERENCES users (id) ON DELETE SET NULL,
    created_at     datetime NOT NULL,
    job_run_id     text
);
INSERT INTO inventory_ledger_new (id, tenant_id, product_id, variant_id, delta, quantity_after, reason, note, actor_id, created_at)
    SELECT id, tenant_id, product_id, variant_id, delta, quantity_after, reason, note, actor_id, created_at FROM inventory_ledger;
DROP TABLE inventory_ledger;
ALTER TABLE inventory_ledger_new RENAME TO inventory_ledger;
CREATE INDEX inventory_ledger_variant ON inventory_ledger (variant_id, created_at DESC, id DESC);

-- +goose Down
DROP INDEX inventory_ledger_variant;
CREATE TABLE inventory_ledger_old (
    id             text     PRIMARY KEY,
    tenant_id      text     NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    product_id     text     NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id     text     NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    delta          integer  NOT NULL,
    quantity_after integer  NOT NULL,
    reason         text     NOT NULL CHECK (reason IN ('received', 'correction', 'damaged', 'shrinkage', 'returned', 'other')),
    note           text     NOT NULL DEFAULT '',
    actor_id       text     REFERENCES users (id) ON DELETE SET NULL,
    created_at     datetime NOT NULL
);
INSERT INTO inventory_ledger_old SELECT id, tenant_id, product_id, variant_id, delta, quantity_after, reason, note, actor_id, created_at
    FROM inventory_ledger WHERE reason <> 'import';
DROP TABLE inventory_ledger;
ALTER TABLE inventory_ledger_old RENAME TO inventory_ledger;
CREATE INDEX inventory_ledger_variant ON inventory_ledger (variant_id, created_at DESC, id DESC);
ALTER TABLE job_runs DROP COLUMN stats;
DROP TABLE upload_chunks;
DROP TABLE uploads;
