-- Hourly measures per article, filled by a materialized view on every insert into events (bots excluded).
-- The writer inserts each event_id once, so plain sums and counts are exact.
-- hour is an instant stored as DateTime('Asia/Ho_Chi_Minh'): it prints in Vietnam time and toDate(hour) is
-- the Vietnam calendar day (UTC+7 has whole hours, so hour boundaries are the same as in UTC).
-- Scroll: the tracker sends one `scroll` event per milestone passed (25, 50, 75, 100 %, once per page view),
-- so each event adds its step above the previous quarter and a page view adds up to its deepest milestone.
-- (e.engaged_ms names the column: the bare name would mean the engaged_ms alias below.)
-- Rows for one key are merged in the background at unknown times: always read with GROUP BY and
-- sum(...) for SimpleAggregateFunction columns, uniqMerge(...) for AggregateFunction(uniq, …) columns.
CREATE TABLE IF NOT EXISTS {db}.rollup_article_hourly
(
    agency_id         LowCardinality(String),
    site_id           LowCardinality(String),
    hour              DateTime('Asia/Ho_Chi_Minh') COMMENT 'start of the hour (prints in Vietnam time)',
    article_id        String,
    section           LowCardinality(String),
    pageviews         SimpleAggregateFunction(sum, UInt64),
    visitors          AggregateFunction(uniq, String) COMMENT 'uniqMerge(visitors): distinct visitors with a pageview (approximate)',
    engaged_ms        SimpleAggregateFunction(sum, UInt64) COMMENT 'sum of engagement heartbeat deltas',
    engaged_pageviews AggregateFunction(uniq, UInt64) COMMENT 'uniqMerge: distinct (visitor, session, url) with engaged time > 0',
    scroll_pct_sum    SimpleAggregateFunction(sum, UInt64) COMMENT 'sum over page views of the deepest scroll milestone reached (percent)',
    scroll_samples    SimpleAggregateFunction(sum, UInt64) COMMENT 'page views measured; average max scroll = scroll_pct_sum / scroll_samples',
    read_completes    SimpleAggregateFunction(sum, UInt64),
    pv_search         SimpleAggregateFunction(sum, UInt64),
    pv_social         SimpleAggregateFunction(sum, UInt64),
    pv_messaging      SimpleAggregateFunction(sum, UInt64),
    pv_aggregator     SimpleAggregateFunction(sum, UInt64),
    pv_direct         SimpleAggregateFunction(sum, UInt64),
    pv_internal       SimpleAggregateFunction(sum, UInt64),
    pv_campaign       SimpleAggregateFunction(sum, UInt64),
    pv_other          SimpleAggregateFunction(sum, UInt64) COMMENT 'pageviews whose referrer_class is other, empty or unknown',
    mobile_pageviews  SimpleAggregateFunction(sum, UInt64) COMMENT 'pageviews with device = mobile (tablets are not counted)'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (agency_id, site_id, hour, article_id, section);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.rollup_article_hourly_mv TO {db}.rollup_article_hourly AS
SELECT
    agency_id,
    site_id,
    toStartOfHour(toDateTime(ts, 'Asia/Ho_Chi_Minh')) AS hour,
    article_id,
    section,
    countIf(type = 'pageview') AS pageviews,
    uniqStateIf(visitor_id, type = 'pageview') AS visitors,
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
    countIf(type = 'pageview' AND device = 'mobile') AS mobile_pageviews
FROM {db}.events AS e
WHERE is_bot = 0 AND article_id != ''
GROUP BY agency_id, site_id, hour, article_id, section;
