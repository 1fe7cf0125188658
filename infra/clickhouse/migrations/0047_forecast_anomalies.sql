-- Anomalies found by the hourly `forecast` job: an hour of a site or section whose pageviews fell outside the
-- p10–p90 forecast (made from the history before it) by at least half the band's width, and an article whose
-- first 24 h fell outside its article-potential interval. With the size and the likely driver: the referrer
-- class or the article that moved most in the deviation's direction. run_id as in forecasts.
CREATE TABLE IF NOT EXISTS {db}.forecast_anomalies
(
    agency_id      LowCardinality(String),
    site_id        LowCardinality(String),
    series_kind    LowCardinality(String) COMMENT 'site | section | article',
    series_key     String COMMENT 'section, article_id, or empty for a site',
    granularity    LowCardinality(String) COMMENT 'hour | first_24h',
    target_time    DateTime('Asia/Ho_Chi_Minh') COMMENT 'the flagged hour, or the article publication time',
    actual         Float64,
    p10            Float64,
    p50            Float64,
    p90            Float64,
    direction      LowCardinality(String) COMMENT 'above | below',
    size           Float64 COMMENT 'distance outside the band relative to the crossed bound (0.5 = 50 % above p90)',
    size_in_bands  Nullable(Float64) COMMENT 'the same distance in band widths (p90 − p10)',
    driver_kind    LowCardinality(String) DEFAULT '' COMMENT 'referrer | article | empty when unknown',
    driver         String DEFAULT '' COMMENT 'referrer class or article_id',
    driver_share   Nullable(Float64) COMMENT 'share of the deviation the driver accounts for',
    title          String DEFAULT '' COMMENT 'article title (article anomalies and article drivers)',
    model_version  String,
    run_id         UUID,
    detected_at    DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(detected_at)
ORDER BY (agency_id, site_id, target_time, series_kind, series_key, detected_at)
TTL toDateTime(detected_at) + INTERVAL 180 DAY DELETE;
