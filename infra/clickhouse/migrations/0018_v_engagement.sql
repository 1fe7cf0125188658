-- Analyst view: engagement per Vietnam day, site and section, from rollup_site_hourly (bots excluded)
-- plus bounces from v_sessions, attributed to the section of the landing page.
CREATE VIEW IF NOT EXISTS {db}.v_engagement
(
    day                Date COMMENT 'calendar day in Vietnam time',
    agency_id          LowCardinality(String),
    site_id            LowCardinality(String),
    section            LowCardinality(String),
    pageviews          UInt64,
    visitors           UInt64 COMMENT 'approximate distinct count; do not add across sections',
    sessions           UInt64 COMMENT 'sessions with a pageview in this section (approximate); do not add across sections',
    engaged_ms         UInt64,
    avg_engaged_s      Nullable(Float64) COMMENT 'engaged seconds per pageview',
    read_completes     UInt64,
    read_complete_rate Nullable(Float64) COMMENT 'read_complete events / pageviews',
    avg_scroll_pct     Nullable(Float64) COMMENT 'average maximum scroll depth, percent',
    mobile_pageviews   UInt64,
    mobile_share       Nullable(Float64),
    pages_per_session  Nullable(Float64) COMMENT 'pageviews in this section / sessions with a pageview in it',
    landing_sessions   UInt64 COMMENT 'sessions whose first pageview was in this section',
    bounces            UInt64 COMMENT 'of those, sessions with exactly one pageview',
    bounce_rate        Nullable(Float64) COMMENT 'bounces / landing_sessions'
)
AS SELECT
    s.day AS day,
    s.agency_id AS agency_id,
    s.site_id AS site_id,
    s.section AS section,
    s.pageviews AS pageviews,
    s.visitors AS visitors,
    s.sessions AS sessions,
    s.engaged_ms AS engaged_ms,
    s.engaged_ms / 1000 / nullIf(s.pageviews, 0) AS avg_engaged_s,
    s.read_completes AS read_completes,
    s.read_completes / nullIf(s.pageviews, 0) AS read_complete_rate,
    s.scroll_pct_sum / nullIf(s.scroll_samples, 0) AS avg_scroll_pct,
    s.mobile_pageviews AS mobile_pageviews,
    s.mobile_pageviews / nullIf(s.pageviews, 0) AS mobile_share,
    s.pageviews / nullIf(s.sessions, 0) AS pages_per_session,
    b.landing_sessions AS landing_sessions,
    b.bounces AS bounces,
    b.bounces / nullIf(b.landing_sessions, 0) AS bounce_rate
FROM
(
    SELECT
        toDate(hour) AS day,
        agency_id,
        site_id,
        section,
        sum(pageviews) AS pageviews,
        uniqMerge(visitors) AS visitors,
        uniqMerge(sessions) AS sessions,
        sum(engaged_ms) AS engaged_ms,
        sum(read_completes) AS read_completes,
        sum(scroll_pct_sum) AS scroll_pct_sum,
        sum(scroll_samples) AS scroll_samples,
        sum(mobile_pageviews) AS mobile_pageviews
    FROM {db}.rollup_site_hourly
    GROUP BY day, agency_id, site_id, section
) AS s
LEFT JOIN
(
    SELECT day, agency_id, site_id, landing_section, count() AS landing_sessions, countIf(bounced = 1) AS bounces
    FROM {db}.v_sessions
    WHERE pageviews > 0
    GROUP BY day, agency_id, site_id, landing_section
) AS b ON b.day = s.day AND b.agency_id = s.agency_id AND b.site_id = s.site_id AND b.landing_section = s.section
COMMENT 'Per Vietnam day, site and section: engaged time, read-complete rate, scroll, pages per session, bounce rate; bots excluded';
