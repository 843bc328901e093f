-- +goose Up
-- Scheduled publishing: at most one "publish at" and one "unpublish at" per node or product,
-- each with the River job (scheduled for run_at) that makes the move as the user who scheduled
-- it. Changing or cancelling a schedule cancels its job in the same transaction.
CREATE TABLE schedules (
    id           uuid        PRIMARY KEY,
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    target_type  varchar(16) NOT NULL CHECK (target_type IN ('node', 'product')),
    target_id    uuid        NOT NULL,
    action       varchar(16) NOT NULL CHECK (action IN ('publish', 'unpublish')),
    run_at       timestamptz NOT NULL,
    river_job_id bigint      NOT NULL,
    created_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX schedules_target_action ON schedules (target_type, target_id, action);

-- +goose Down
DROP TABLE schedules;
