-- Analyst view: one finished row per session and Vietnam day, from sessions, bots excluded.
CREATE VIEW IF NOT EXISTS {db}.v_sessions
(
    day                   Date COMMENT 'calendar day in Vietnam time; a session crossing midnight has a row per day',
    agency_id             LowCardinality(String),
    site_id               LowCardinality(String),
    session_id            String,
    visitor_id            String COMMENT 'cookieless daily hash unless the reader consented: do not count visitors across days with it',
    started_at            DateTime64(3, 'UTC'),
    ended_at              DateTime64(3, 'UTC'),
    duration_s            Float64 COMMENT 'seconds from the first to the last event',
    pageviews             UInt64,
    engaged_ms            UInt64,
    landing_url           String,
    landing_article_id    String,
    landing_section       String,
    entry_referrer_class  String,
    entry_referrer_source String,
    device                LowCardinality(String),
    province              LowCardinality(String),
    bounced               UInt8 COMMENT '1 when the session had exactly one pageview'
)
AS SELECT
    day, agency_id, site_id, session_id, visitor_id, started_at, ended_at,
    dateDiff('millisecond', started_at, ended_at) / 1000 AS duration_s,
    pageviews, engaged_ms, landing_url, landing_article_id, landing_section,
    entry_referrer_class, entry_referrer_source, device, province,
    pageviews = 1 AS bounced
FROM
(
    SELECT
        agency_id,
        site_id,
        day,
        session_id,
        any(visitor_id) AS visitor_id,
        min(started_at) AS started_at,
        max(ended_at) AS ended_at,
        sum(pageviews) AS pageviews,
        sum(engaged_ms) AS engaged_ms,
        argMinMerge(landing_url) AS landing_url,
        argMinMerge(landing_article_id) AS landing_article_id,
        argMinMerge(landing_section) AS landing_section,
        argMinMerge(entry_referrer_class) AS entry_referrer_class,
        argMinMerge(entry_referrer_source) AS entry_referrer_source,
        any(device) AS device,
        any(province) AS province,
        max(is_bot) AS is_bot
    FROM {db}.sessions
    GROUP BY agency_id, site_id, day, session_id
)
WHERE is_bot = 0
COMMENT 'One row per session and Vietnam day; bots excluded';
