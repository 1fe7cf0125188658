-- One row per attempt of a scheduled or manual job run, written when the attempt starts (status running)
-- and again when it ends (succeeded | failed): the row with the highest updated_at is the current state.
-- Read with FINAL or argMax(..., updated_at) grouped by run_id. An attempt left `running` by a killed
-- process stays so; the scheduler treats it as not succeeded and catches the run up at its next start.
-- Job outputs written to tables carry the run_id and are exposed only for runs that succeeded.
CREATE TABLE IF NOT EXISTS {db}.job_runs
(
    job           LowCardinality(String),
    run_id        UUID COMMENT 'one per attempt; outputs of the attempt carry it',
    scheduled_for DateTime64(3, 'UTC') COMMENT 'the schedule instant this run is for (catch-up and manual runs keep it)',
    trigger       LowCardinality(String) COMMENT 'schedule | catch-up | manual',
    attempt       UInt8 COMMENT '1 for the first try, 2 and more for retries',
    instance      String COMMENT 'which service instance or CLI process ran it',
    started_at    DateTime64(3, 'UTC'),
    ended_at      Nullable(DateTime64(3, 'UTC')),
    status        LowCardinality(String) COMMENT 'running | succeeded | failed',
    error         String DEFAULT '',
    key_figures   Map(String, Float64) COMMENT 'what the run produced: reports written, rows, duration…',
    updated_at    DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
PARTITION BY toYYYYMM(scheduled_for)
ORDER BY (job, scheduled_for, run_id)
TTL toDateTime(scheduled_for) + INTERVAL 400 DAY;
