-- One row per session and Vietnam day, built by a materialized view from every event that carries a
-- session_id (pageviews give the count and the landing page, heartbeats the engaged time and the end).
-- Bots are kept here with is_bot set (v_sessions leaves them out). A session that crosses Vietnam
-- midnight becomes two rows, one per day. Read with GROUP BY agency_id, site_id, day, session_id:
-- min(started_at), max(ended_at), sum(pageviews), sum(engaged_ms), any(...), max(is_bot), argMinMerge(landing_*).
CREATE TABLE IF NOT EXISTS {db}.sessions
(
    agency_id             LowCardinality(String),
    site_id               LowCardinality(String),
    day                   Date COMMENT 'calendar day in Vietnam time',
    session_id            String,
    visitor_id            SimpleAggregateFunction(any, String),
    started_at            SimpleAggregateFunction(min, DateTime64(3, 'UTC')) COMMENT 'first event of the session',
    ended_at              SimpleAggregateFunction(max, DateTime64(3, 'UTC')) COMMENT 'last event of the session',
    pageviews             SimpleAggregateFunction(sum, UInt64),
    engaged_ms            SimpleAggregateFunction(sum, UInt64),
    landing_url           AggregateFunction(argMin, String, DateTime64(3, 'UTC')) COMMENT 'argMinMerge: URL of the first pageview',
    landing_article_id    AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    landing_section       AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    entry_referrer_class  AggregateFunction(argMin, String, DateTime64(3, 'UTC')) COMMENT 'argMinMerge: referrer class of the first pageview',
    entry_referrer_source AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    device                SimpleAggregateFunction(any, LowCardinality(String)),
    province              SimpleAggregateFunction(any, LowCardinality(String)),
    is_bot                SimpleAggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (agency_id, site_id, day, session_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.sessions_mv TO {db}.sessions AS
SELECT
    agency_id,
    site_id,
    day,
    session_id,
    any(visitor_id) AS visitor_id,
    min(ts) AS started_at,
    max(ts) AS ended_at,
    countIf(type = 'pageview') AS pageviews,
    sumIf(toUInt64(engaged_ms), type = 'engagement') AS engaged_ms,
    argMinStateIf(url, ts, type = 'pageview') AS landing_url,
    argMinStateIf(article_id, ts, type = 'pageview') AS landing_article_id,
    argMinStateIf(toString(section), ts, type = 'pageview') AS landing_section,
    argMinStateIf(toString(referrer_class), ts, type = 'pageview') AS entry_referrer_class,
    argMinStateIf(toString(referrer_source), ts, type = 'pageview') AS entry_referrer_source,
    any(device) AS device,
    any(province) AS province,
    max(is_bot) AS is_bot
FROM {db}.events
WHERE session_id != ''
GROUP BY agency_id, site_id, day, session_id;
