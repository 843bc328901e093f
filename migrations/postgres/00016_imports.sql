-- +goose Up
-- The catalog import. An upload is the CSV a user sent, stored in chunks like a job's file, so
-- any process can check it and the import job can read it again after a restart; it expires
-- after a day. Stock an import sets is a ledger row with reason 'import' and the job run that
-- wrote it. An import run keeps its running counts (created, updated …) in stats.
CREATE TABLE uploads (
    id          uuid         PRIMARY KEY,
    tenant_id   uuid         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_by  uuid         REFERENCES users (id) ON DELETE SET NULL,
    name        varchar(200) NOT NULL,
    size        bigint       NOT NULL DEFAULT 0,
    complete    boolean      NOT NULL DEFAULT false,
    expires_at  timestamptz  NOT NULL,
    created_at  timestamptz  NOT NULL
);
CREATE INDEX uploads_expires ON uploads (expires_at);

CREATE TABLE upload_chunks (
    upload_id uuid    NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    data      bytea   NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

ALTER TABLE job_runs ADD COLUMN stats varchar(2000) NOT NULL DEFAULT '';

ALTER TABLE inventory_ledger DROP CONSTRAINT inventory_ledger_reason_check;
ALTER TABLE inventory_ledger ADD CONSTRAINT inventory_ledger_reason_check
    CHECK (reason IN ('received', 'correction', 'damaged', 'shrinkage', 'returned', 'other', 'import'));
ALTER TABLE inventory_ledger ADD COLUMN job_run_id uuid;

-- +goose Down
ALTER TABLE inventory_ledger DROP COLUMN job_run_id;
DELETE FROM inventory_ledger WHERE reason = 'import';
ALTER TABLE inventory_ledger DROP CONSTRAINT inventory_ledger_reason_check;
ALTER TABLE inventory_ledger ADD CONSTRAINT inventory_ledger_reason_check
    CHECK (reason IN ('received', 'correction', 'damaged', 'shrinkage', 'returned', 'other'));
ALTER TABLE job_runs DROP COLUMN stats;
DROP TABLE upload_chunks;
DROP TABLE uploads;
