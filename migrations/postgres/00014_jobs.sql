-- +goose Up
-- Background jobs as staff see them: one job_runs row per job a user started (or the platform
-- scheduled), beside River's river_job row that runs it (river_job_id): who started it, for
-- which tenant, what it covers, its progress and its result. The state, attempts and errors are
-- River's. A job's output file (an export) is stored in chunks, so several processes can serve
-- it and nothing holds a whole file in memory; it expires.
CREATE TABLE job_runs (
    id           uuid          PRIMARY KEY,
    tenant_id    uuid          REFERENCES tenants (id) ON DELETE CASCADE,
    kind         varchar(64)   NOT NULL,
    river_job_id bigint        NOT NULL UNIQUE,
    created_by   uuid          REFERENCES users (id) ON DELETE SET NULL,
    summary      varchar(500)  NOT NULL DEFAULT '',
    done         bigint        NOT NULL DEFAULT 0,
    total        bigint        NOT NULL DEFAULT 0,
    result       varchar(2000) NOT NULL DEFAULT '',
    cancel_requested boolean   NOT NULL DEFAULT false,
    created_at   timestamptz   NOT NULL,
    updated_at   timestamptz   NOT NULL
);
CREATE INDEX job_runs_tenant_created ON job_runs (tenant_id, created_at DESC, id DESC);

CREATE TABLE job_files (
    id           uuid          PRIMARY KEY,
    job_run_id   uuid          NOT NULL UNIQUE REFERENCES job_runs (id) ON DELETE CASCADE,
    tenant_id    uuid          REFERENCES tenants (id) ON DELETE CASCADE,
    name         varchar(200)  NOT NULL,
    content_type varchar(100)  NOT NULL,
    size         bigint        NOT NULL DEFAULT 0,
    complete     boolean       NOT NULL DEFAULT false,
    expires_at   timestamptz   NOT NULL,
    created_at   timestamptz   NOT NULL
);
CREATE INDEX job_files_expires ON job_files (expires_at);

CREATE TABLE job_file_chunks (
    file_id uuid    NOT NULL REFERENCES job_files (id) ON DELETE CASCADE,
    seq     integer NOT NULL,
    data    bytea   NOT NULL,
    PRIMARY KEY (file_id, seq)
);

-- +goose Down
DROP TABLE job_file_chunks;
DROP TABLE job_files;
DROP TABLE job_runs;
