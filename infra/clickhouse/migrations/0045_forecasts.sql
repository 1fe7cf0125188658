-- Traffic forecasts written by the hourly `forecast` job: per site and per section, the next 48 hours (granularity
-- hour) and the next 14 days (granularity day), p10/p50/p90 pageviews from the method the nightly
-- `forecast-train` backtest chose for the series. Every row carries the run_id of the attempt that wrote it;
-- readers take only rows of runs that succeeded (job_runs, or the v_forecasts view), so a run killed half-way
-- is never visible. Several runs forecast the same target: pick the latest run (or the latest generated before
-- a period, for "actual vs forecast").
CREATE TABLE IF NOT EXISTS {db}.forecasts
(
    agency_id     LowCardinality(String),
    site_id       LowCardinality(String),
    series_kind   LowCardinality(String) COMMENT 'site | section',
    series_key    String COMMENT 'the section for kind section; empty for a whole site',
    metric        LowCardinality(String) DEFAULT 'pageviews',
    granularity   LowCardinality(String) COMMENT 'hour | day',
    target_time   DateTime('Asia/Ho_Chi_Minh') COMMENT 'start of the forecast hour or Vietnam day',
    p10           Float64,
    p50           Float64,
    p90           Float64,
    method        LowCardinality(String) COMMENT 'served method: model | seasonal_naive | weekday_mean_8w | naive',
    model_version String COMMENT 'the forecast-train run whose choice (and model) was served; empty without one',
    notes         String DEFAULT '' COMMENT 'why a baseline was served, short history, gaps…',
    run_id        UUID COMMENT 'job attempt that wrote the row (see job_runs)',
    generated_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(generated_at)
ORDER BY (agency_id, site_id, granularity, series_kind, series_key, target_time, generated_at)
TTL toDateTime(generated_at) + INTERVAL 120 DAY DELETE;
