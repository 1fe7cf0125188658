-- Top-K recommendations written by the nightly `recommendations` job: per recent article ("related") and per
-- active consented reader ("for you"). Every row carries the run_id of the job attempt that wrote it; readers
-- take only the rows of the latest run that succeeded (job_runs), so a run killed half-way is never visible.
-- visitor_id repeats `key` for reader rows so `nhip privacy erase --visitor` (any table with visitor_id) finds them.
CREATE TABLE IF NOT EXISTS {db}.recommendations
(
    agency_id     LowCardinality(String),
    site_id       LowCardinality(String),
    kind          LowCardinality(String) COMMENT 'article (related to an article) | visitor (for a consented reader)',
    key           String COMMENT 'article_id (kind article) or visitor_id (kind visitor), on site_id',
    rank          UInt8 COMMENT '1 = first',
    article_id    String COMMENT 'the recommended article (same agency, never one the reader has read)',
    score         Float32 COMMENT 'model log-score incl. freshness, or the fallback score',
    reason        LowCardinality(String) COMMENT 'related | for_you | trending | fresh',
    model_version UInt32 DEFAULT 0 COMMENT 'registry version that scored it; 0 = no model (fallbacks only)',
    run_id        UUID COMMENT 'job attempt that wrote the row (see job_runs)',
    generated_at  DateTime64(3, 'UTC'),
    visitor_id    String DEFAULT if(kind = 'visitor', key, '') COMMENT 'for erasure; empty on article rows'
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(generated_at)
ORDER BY (agency_id, site_id, kind, key, run_id, rank)
TTL toDateTime(generated_at) + INTERVAL 14 DAY DELETE;
