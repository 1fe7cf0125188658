-- Analyst view: pageviews per Vietnam day, section and referrer (class and source), from raw events
-- (referrer_source is not in the rollups), bots excluded. share is within (day, agency, site, section).
CREATE VIEW IF NOT EXISTS {db}.v_traffic_sources
(
    day             Date COMMENT 'calendar day in Vietnam time',
    agency_id       LowCardinality(String),
    site_id         LowCardinality(String),
    section         LowCardinality(String),
    referrer_class  LowCardinality(String) COMMENT 'search | social | messaging | aggregator | direct | internal | campaign | other (empty or unknown classes count as other)',
    referrer_source LowCardinality(String) COMMENT 'google, coccoc, facebook, zalo, baomoi, …; empty when unknown',
    pageviews       UInt64,
    visitors        UInt64 COMMENT 'distinct visitors (approximate)',
    share           Float64 COMMENT 'pageviews / all pageviews of the same day, agency, site and section'
)
AS SELECT
    day, agency_id, site_id, section, ref_class AS referrer_class, referrer_source, pageviews, visitors,
    pageviews / sum(pageviews) OVER (PARTITION BY day, agency_id, site_id, section) AS share
FROM
(
    SELECT
        day,
        agency_id,
        site_id,
        section,
        if(referrer_class IN ('search', 'social', 'messaging', 'aggregator', 'direct', 'internal', 'campaign'), referrer_class, 'other') AS ref_class,
        referrer_source,
        count() AS pageviews,
        uniq(visitor_id) AS visitors
    FROM {db}.events
    WHERE type = 'pageview' AND is_bot = 0
    GROUP BY day, agency_id, site_id, section, ref_class, referrer_source
)
COMMENT 'Pageviews by Vietnam day, section, referrer class and source; bots excluded';
