-- +goose Up
-- sys_events_pending (status, next_attempt_at) indexed every event for good, though the relay
-- claims through sys_events_claimable (pending only, by seq) and nothing else read it but the
-- counts of failed events (dashboard, event log filter). Those get a partial index of their own,
-- which an insert of a pending event does not touch. (Issue 12 looked here for the outbox's
-- insert cost: BenchmarkOutboxCostCreateNode moved within its noise, 1.36-1.40 before and after.)
DROP INDEX sys_events_pending;
CREATE INDEX sys_events_failed ON sys_events (tenant_id, seq) WHERE status = 'failed';

-- +goose Down
DROP INDEX sys_events_failed;
CREATE INDEX sys_events_pending ON sys_events (status, next_attempt_at);
