-- Run history and the schedule fire ledger. Nothing here is secret: results are stored as
-- redacted summaries by the caller.
CREATE TABLE runs (
    id            TEXT    NOT NULL PRIMARY KEY,
    workflow      TEXT    NOT NULL,
    workflow_name TEXT    NOT NULL,
    trigger       TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    error         TEXT,
    executions    INTEGER NOT NULL DEFAULT 0,
    fire_time     INTEGER
);
CREATE INDEX runs_by_workflow ON runs (workflow, started_at);
CREATE INDEX runs_by_state ON runs (state, started_at);

CREATE TABLE action_executions (
    run_id      TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    duration_ms INTEGER NOT NULL,
    detail      TEXT,
    error       TEXT,
    result      TEXT,
    PRIMARY KEY (run_id, seq)
);

-- One row per (workflow, schedule, fire time): claimed in the same transaction that records
-- it, so no fire time ever runs twice.
CREATE TABLE schedule_fires (
    workflow       TEXT    NOT NULL,
    schedule_index INTEGER NOT NULL,
    fire_time      INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    run_id         TEXT,
    lateness_ms    INTEGER,
    recorded_at    INTEGER NOT NULL,
    PRIMARY KEY (workflow, schedule_index, fire_time)
);
