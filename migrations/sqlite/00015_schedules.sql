-- +goose Up
-- Scheduled publishing: at most one "publish at" and one "unpublish at" per node or product,
-- each with the River job (scheduled for run_at) that makes the move as the user who scheduled
-- it. Changing or cancelling a schedule cancels its job in the same transaction.
CREATE TABLE schedules (
    id           text        PRIMARY KEY,
    tenant_id    text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    target_type  text        NOT NULL CHECK (target_type IN ('node', 'product')),
    target_id    text        NOT NULL,
    action       text        NOT NULL CHECK (action IN ('publish', 'unpublish')),
    run_at       datetime    NOT NULL,
    river_job_id integer     NOT NULL,
    created_by   text        REFERENCES users (id) ON DELETE SET NULL,
    created_at   datetime    NOT NULL
);
CREATE UNIQUE INDEX schedules_target_action ON schedules (target_type, target_id, action);

-- +goose Down
DROP TABLE schedules;
