-- +goose Up
-- Background jobs as staff see them: one job_runs row per job a user started (or the platform
-- scheduled), beside River's river_job row that runs it (river_job_id): who started it, for
-- which tenant, what it covers, its progress and its result. The state, attempts and errors are
-- River's. A job's output file (an export) is stored in chunks, so several processes can serve
-- it and nothing holds a whole file in memory; it expires.
CREATE TABLE job_runs (
    id           text          PRIMARY KEY,
    tenant_id    text          REFERENCES tenants (id) ON DELETE CASCADE,
    kind         text   NOT NULL,
    river_job_id integer       NOT NULL UNIQUE,
    created_by   text          REFERENCES users (id) ON DELETE SET NULL,
    summary      text  NOT NULL DEFAULT '',
    done         integer       NOT NULL DEFAULT 0,
    total        integer       NOT NULL DEFAULT 0,
    result       text NOT NULL DEFAULT '',
    cancel_requested integer   NOT NULL DEFAULT 0,
    created_at   datetime   NOT NULL,
    updated_at   datetime   NOT NULL
);
CREATE INDEX job_runs_tenant_created ON job_runs (tenant_id, created_at DESC, id DESC);

CREATE TABLE job_files (
    id           text          PRIMARY KEY,
    job_run_id   text          NOT NULL UNIQUE REFERENCES job_runs (id) ON DELETE CASCADE,
    tenant_id    text          REFERENCES tenants (id) ON DELETE CASCADE,
    name         text  NOT NULL,
    content_type text  NOT NULL,
    size         integer       NOT NULL DEFAULT 0,
    complete     integer       NOT NULL DEFAULT 0,
    expires_at   datetime   NOT NULL,
    created_at   datetime   NOT NULL
);
CREATE INDEX job_files_expires ON job_files (expires_at);

CREATE TABLE job_file_chunks (
    file_id text    NOT NULL REFERENCES job_files (id) ON DELETE CASCADE,
    seq     integer NOT NULL,
    data    blob    NOT NULL,
    PRIMARY KEY (file_id, seq)
);

-- +goose Down
DROP TABLE job_file_chunks;
DROP TABLE job_files;
DROP TABLE job_runs;
