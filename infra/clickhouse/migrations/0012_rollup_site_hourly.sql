-- Hourly measures per site and section (every page, article or not), filled by a materialized view on
-- inserts into events (bots excluded). Same reading rules as rollup_article_hourly: GROUP BY with
-- sum(...) / uniqMerge(...). Distinct counts (visitors, sessions) cannot be added across sections:
-- uniqMerge them over the rows you want instead.
CREATE TABLE IF NOT EXISTS {db}.rollup_site_hourly
(
    agency_id          LowCardinality(String),
    site_id            LowCardinality(String),
    section            LowCardinality(String),
    hour               DateTime('Asia/Ho_Chi_Minh') COMMENT 'start of the hour (prints in Vietnam time)',
    pageviews          SimpleAggregateFunction(sum, UInt64),
    visitors           AggregateFunction(uniq, String) COMMENT 'uniqMerge(visitors): distinct visitors with a pageview (approximate)',
    sessions           AggregateFunction(uniq, String) COMMENT 'uniqMerge(sessions): distinct sessions with a pageview (approximate)',
    engaged_ms         SimpleAggregateFunction(sum, UInt64),
    engaged_pageviews  AggregateFunction(uniq, UInt64),
    scroll_pct_sum     SimpleAggregateFunction(sum, UInt64) COMMENT 'sum over page views of the deepest scroll milestone reached (percent)',
    scroll_samples     SimpleAggregateFunction(sum, UInt64) COMMENT 'page views measured; average max scroll = scroll_pct_sum / scroll_samples',
    read_completes     SimpleAggregateFunction(sum, UInt64),
    pv_search          SimpleAggregateFunction(sum, UInt64),
    pv_social          SimpleAggregateFunction(sum, UInt64),
    pv_messaging       SimpleAggregateFunction(sum, UInt64),
    pv_aggregator      SimpleAggregateFunction(sum, UInt64),
    pv_direct          SimpleAggregateFunction(sum, UInt64),
    pv_internal        SimpleAggregateFunction(sum, UInt64),
    pv_campaign        SimpleAggregateFunction(sum, UInt64),
    pv_other           SimpleAggregateFunction(sum, UInt64),
    mobile_pageviews   SimpleAggregateFunction(sum, UInt64),
    paywall_shown      SimpleAggregateFunction(sum, UInt64) COMMENT 'events named paywall_shown',
    subscribe_start    SimpleAggregateFunction(sum, UInt64) COMMENT 'events named subscribe_start',
    subscribe_complete SimpleAggregateFunction(sum, UInt64) COMMENT 'events named subscribe_complete'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (agency_id, site_id, hour, section);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.rollup_site_hourly_mv TO {db}.rollup_site_hourly AS
SELECT
    agency_id,
    site_id,
    section,
    toStartOfHour(toDateTime(ts, 'Asia/Ho_Chi_Minh')) AS hour,
    countIf(type = 'pageview') AS pageviews,
    uniqStateIf(visitor_id, type = 'pageview') AS visitors,
    uniqStateIf(session_id, type = 'pageview' AND session_id != '') AS sessions,
    sumIf(toUInt64(engaged_ms), type = 'engagement') AS engaged_ms,
    uniqStateIf(cityHash64(visitor_id, session_id, url), type = 'engagement' AND e.engaged_ms > 0) AS engaged_pageviews,
    sumIf(toUInt64(scroll_pct - multiIf(scroll_pct > 75, 75, scroll_pct > 50, 50, scroll_pct > 25, 25, 0)), type = 'scroll') AS scroll_pct_sum,
    countIf(type = 'pageview') AS scroll_samples,
    countIf(type = 'read_complete') AS read_completes,
    countIf(type = 'pageview' AND referrer_class = 'search') AS pv_search,
    countIf(type = 'pageview' AND referrer_class = 'social') AS pv_social,
    countIf(type = 'pageview' AND referrer_class = 'messaging') AS pv_messaging,
    countIf(type = 'pageview' AND referrer_class = 'aggregator') AS pv_aggregator,
    countIf(type = 'pageview' AND referrer_class = 'direct') AS pv_direct,
    countIf(type = 'pageview' AND referrer_class = 'internal') AS pv_internal,
    countIf(type = 'pageview' AND referrer_class = 'campaign') AS pv_campaign,
    countIf(type = 'pageview' AND referrer_class NOT IN ('search', 'social', 'messaging', 'aggregator', 'direct', 'internal', 'campaign')) AS pv_other,
    countIf(type = 'pageview' AND device = 'mobile') AS mobile_pageviews,
    countIf(name = 'paywall_shown') AS paywall_shown,
    countIf(name = 'subscribe_start') AS subscribe_start,
    countIf(name = 'subscribe_complete') AS subscribe_complete
FROM {db}.events AS e
WHERE is_bot = 0
GROUP BY agency_id, site_id, section, hour;
