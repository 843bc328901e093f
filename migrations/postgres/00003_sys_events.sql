-- +goose Up
-- The transactional outbox: every domain change writes its event here in the same transaction;
-- the relay delivers pending rows. seq orders events as they were committed per aggregate.
CREATE TABLE sys_events (
    seq             bigserial    PRIMARY KEY,
    id              uuid         NOT NULL,
    event_type      varchar(100) NOT NULL,
    schema_version  integer      NOT NULL,
    tenant_id       uuid,
    aggregate_type  varchar(50)  NOT NULL,
    aggregate_id    uuid         NOT NULL,
    actor_id        uuid,
    correlation_id  varchar(100) NOT NULL DEFAULT '',
    causation_id    uuid,
    occurred_at     timestamptz  NOT NULL,
    payload         jsonb        NOT NULL,
    status          varchar(16)  NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dispatched', 'failed')),
    attempts        integer      NOT NULL DEFAULT 0,
    next_attempt_at timestamptz  NOT NULL,
    last_error      text         NOT NULL DEFAULT '',
    claimed_by      varchar(100),
    claimed_at      timestamptz,
    dispatched_at   timestamptz
);
CREATE UNIQUE INDEX sys_events_id_key ON sys_events (id);
CREATE INDEX sys_events_type_version ON sys_events (event_type, schema_version);
CREATE INDEX sys_events_pending ON sys_events (status, next_attempt_at);
CREATE INDEX sys_events_tenant_time ON sys_events (tenant_id, occurred_at);
CREATE INDEX sys_events_aggregate ON sys_events (aggregate_type, aggregate_id, seq);
-- The relay's claim reads only undelivered rows: in commit order, and per aggregate (to keep
-- an aggregate's events in order). Partial indexes keep both fast however long the history.
CREATE INDEX sys_events_claimable ON sys_events (seq) WHERE status = 'pending';
CREATE INDEX sys_events_undelivered ON sys_events (aggregate_type, aggregate_id, seq) WHERE status <> 'dispatched';

-- +goose Down
DROP TABLE sys_events;
