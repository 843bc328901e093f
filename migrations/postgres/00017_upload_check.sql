-- +goose Up
-- An upload's check runs as a job (a large file takes as long to check as to import): its state
-- ('' none yet, 'checking', 'done'), the token of the check that counts (a newer mapping
-- supersedes a running check), the mapping checked, its progress and its result (JSON).
ALTER TABLE uploads ADD COLUMN check_state text NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN check_token text NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN check_mapping text NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN check_done bigint NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN check_result text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE uploads DROP COLUMN check_result;
ALTER TABLE uploads DROP COLUMN check_done;
ALTER TABLE uploads DROP COLUMN check_mapping;
ALTER TABLE uploads DROP COLUMN check_token;
ALTER TABLE uploads DROP COLUMN check_state;
