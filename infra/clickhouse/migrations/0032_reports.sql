-- Insight reports written by the report jobs: the HTML file on disk and what it covers. Rows carry the
-- run_id of the job attempt that wrote them; only rows of runs that succeeded (job_runs) are shown.
CREATE TABLE IF NOT EXISTS {db}.reports
(
    agency_id    LowCardinality(String),
    site_id      LowCardinality(String) DEFAULT '' COMMENT 'empty for an agency report',
    kind         LowCardinality(String) COMMENT 'daily | weekly',
    period_start Date COMMENT 'first Vietnam day covered',
    period_end   Date COMMENT 'last Vietnam day covered (the report date)',
    lang         LowCardinality(String) COMMENT 'vi | en',
    path         String COMMENT 'absolute path of the HTML file',
    bytes        UInt64,
    sha256       FixedString(64),
    has_data     UInt8 COMMENT '0 when the period had no traffic (the report says so)',
    headline     Map(String, Float64) COMMENT 'headline numbers: pageviews, readers, engaged_ms, read_complete_rate',
    job          LowCardinality(String),
    run_id       UUID,
    created_at   DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(period_end)
ORDER BY (agency_id, kind, period_end, lang, created_at);
