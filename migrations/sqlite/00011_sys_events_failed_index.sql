-- +goose Up
-- The outbox's insert cost (issue 12, item 6): sys_events_pending (status, next_attempt_at)
-- indexed every event for good, though the relay claims through sys_events_claimable (pending
-- only, by seq) and nothing else reads it but the counts of failed events. Those get a partial
-- index of their own, which an insert of a pending event does not touch.
DROP INDEX sys_events_pending;
CREATE INDEX sys_events_failed ON sys_events (tenant_id, seq) WHERE status = 'failed';

-- +goose Down
DROP INDEX sys_events_failed;
CREATE INDEX sys_events_pending ON sys_events (status, next_attempt_at);
