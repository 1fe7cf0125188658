-- Backtest metrics written by the nightly `forecast-train` job: per series (site, section; hourly and daily) and
-- method, MASE / sMAPE / p10–p90 coverage over the scored rolling-origin folds, and which method is served
-- from now on (served = 1). Article potential is recorded as series_kind 'article_potential' with R² of log
-- views at 24 h. Only rows of succeeded runs count (job_runs, or v_forecast_metrics).
CREATE TABLE IF NOT EXISTS {db}.forecast_metrics
(
    agency_id     LowCardinality(String),
    site_id       LowCardinality(String),
    series_kind   LowCardinality(String) COMMENT 'site | section | article_potential',
    series_key    String,
    granularity   LowCardinality(String) COMMENT 'hour | day | article',
    method        LowCardinality(String) COMMENT 'model | seasonal_naive | weekday_mean_8w | naive | loglinear',
    mase          Nullable(Float64) COMMENT 'mean over scored folds; NULL when undefined (e.g. constant history)',
    smape         Nullable(Float64),
    coverage      Nullable(Float64) COMMENT 'share of actuals inside p10–p90',
    r2            Nullable(Float64) COMMENT 'article potential: R² of log views at 24 h on the latest articles',
    folds         UInt16 COMMENT 'scored folds (articles: held-out articles)',
    served        UInt8 COMMENT '1 for the method served for this series from now on',
    notes         String DEFAULT '',
    model_version String,
    run_id        UUID,
    generated_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(generated_at)
ORDER BY (agency_id, site_id, granularity, series_kind, series_key, method, generated_at)
TTL toDateTime(generated_at) + INTERVAL 400 DAY DELETE;
