-- Article potential written by the hourly `forecast` job: for every article past its first 60 minutes (up to
-- 72 h old), the views expected at 24 h and 72 h from its first hour (views, engaged time, referrer mix,
-- section, publish hour), with the log-linear (Szabo–Huberman) value beside it. run_id as in forecasts.
CREATE TABLE IF NOT EXISTS {db}.article_potential
(
    agency_id     LowCardinality(String),
    site_id       LowCardinality(String),
    article_id    String,
    title         String DEFAULT '',
    section       LowCardinality(String) DEFAULT '',
    published_at  DateTime64(3, 'UTC'),
    views_60m     UInt32 COMMENT 'pageviews in the first 60 minutes',
    engaged_s_60m Float64 COMMENT 'engaged seconds in the first 60 minutes',
    views_so_far  UInt32 COMMENT 'pageviews from publication to the run',
    p10_24h       Float64,
    p50_24h       Float64,
    p90_24h       Float64,
    p50_72h       Float64,
    loglinear_24h Float64 COMMENT 'the log-linear baseline at 24 h',
    method        LowCardinality(String) COMMENT 'model | loglinear',
    model_version String,
    run_id        UUID,
    generated_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(generated_at)
ORDER BY (agency_id, site_id, article_id, generated_at)
TTL toDateTime(generated_at) + INTERVAL 90 DAY DELETE;
