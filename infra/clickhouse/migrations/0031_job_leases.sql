-- Leases that keep a job from running twice at once, also across service instances sharing ClickHouse.
-- A contender inserts a row with a random token (acquired_at set by the server clock), waits a settle time,
-- then reads the live rows of the lease key (latest version per token: not released, not expired): the
-- earliest acquired_at wins — the same "earliest row wins" convergence as visitor_salts. The holder renews
-- by inserting a newer version of its row with a later expires_at; it releases with released = 1.
-- A crashed holder stops renewing and its lease expires.
CREATE TABLE IF NOT EXISTS {db}.job_leases
(
    lease_key     String COMMENT 'the job name: one run of a job at a time',
    token         String COMMENT 'random, one per acquisition attempt',
    holder        String COMMENT 'instance that asked',
    scheduled_for DateTime64(3, 'UTC') COMMENT 'the run the holder is doing',
    acquired_at   DateTime64(6, 'UTC') DEFAULT now64(6) COMMENT 'server clock at the first insert; kept by renewals',
    expires_at    DateTime64(6, 'UTC'),
    released      UInt8 DEFAULT 0,
    updated_at    DateTime64(6, 'UTC') DEFAULT now64(6) COMMENT 'version: the latest row per token is its state'
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (lease_key, token)
TTL toDateTime(updated_at) + INTERVAL 7 DAY;
