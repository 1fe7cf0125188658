-- Raw reader events after validation and enrichment: one row per event_id.
-- The raw IP and the full user agent are never stored; only derived, coarse fields.
-- ReplacingMergeTree keyed by event_id (inside the sorting key) collapses replays;
-- non_replicated_deduplication_window lets a retried insert with the same deduplication token be ignored.
CREATE TABLE IF NOT EXISTS {db}.events
(
    event_id        UUID,
    schema_version  UInt8,
    type            LowCardinality(String) COMMENT 'pageview | engagement | scroll | read_complete | click | custom | paywall | subscribe',
    name            LowCardinality(String) DEFAULT '' COMMENT 'custom/paywall/subscribe event name, e.g. paywall_shown',
    ts              DateTime64(3, 'UTC') COMMENT 'when the reader produced it (client clock, checked against a window)',
    received_at     DateTime64(3, 'UTC') COMMENT 'when the collector accepted it',
    day             Date DEFAULT toDate(ts, 'Asia/Ho_Chi_Minh') COMMENT 'calendar day in Vietnam time',
    agency_id       LowCardinality(String),
    site_id         LowCardinality(String),
    url             String,
    path            String,
    title           String DEFAULT '',
    article_id      String DEFAULT '',
    section         LowCardinality(String) DEFAULT '',
    referrer        String DEFAULT '' COMMENT 'referring URL without its query string',
    referrer_host   LowCardinality(String) DEFAULT '',
    referrer_class  LowCardinality(String) DEFAULT '' COMMENT 'search | social | messaging | aggregator | direct | internal | campaign | other',
    referrer_source LowCardinality(String) DEFAULT '' COMMENT 'google, coccoc, facebook, zalo, baomoi, …',
    utm_source      LowCardinality(String) DEFAULT '',
    utm_medium      LowCardinality(String) DEFAULT '',
    utm_campaign    String DEFAULT '',
    utm_content     String DEFAULT '',
    utm_term        String DEFAULT '',
    visitor_id      String COMMENT 'cookieless daily keyed hash, or a consented first-party id',
    consented       UInt8 DEFAULT 0,
    session_id      String DEFAULT '',
    session_page    UInt16 DEFAULT 0 COMMENT 'page number within the session (pageviews)',
    engaged_ms      UInt32 DEFAULT 0,
    scroll_pct      UInt8 DEFAULT 0,
    props           Map(String, String),
    device          LowCardinality(String) DEFAULT '' COMMENT 'mobile | tablet | desktop | tv | other',
    os              LowCardinality(String) DEFAULT '',
    browser         LowCardinality(String) DEFAULT '',
    is_bot          UInt8 DEFAULT 0,
    bot_kind        LowCardinality(String) DEFAULT '' COMMENT 'crawler | headless | datacenter | ''''',
    country         LowCardinality(String) DEFAULT '',
    province        LowCardinality(String) DEFAULT ''
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(day)
ORDER BY (agency_id, site_id, day, type, event_id)
SETTINGS non_replicated_deduplication_window = 10000;
