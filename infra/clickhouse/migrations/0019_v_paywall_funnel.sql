-- Analyst view: paywall funnel per Vietnam day, site and section (the section of the page where each
-- step happened), from rollup_site_hourly, bots excluded. Rows without any funnel event are left out.
CREATE VIEW IF NOT EXISTS {db}.v_paywall_funnel
(
    day                Date COMMENT 'calendar day in Vietnam time',
    agency_id          LowCardinality(String),
    site_id            LowCardinality(String),
    section            LowCardinality(String) COMMENT 'section of the page where the step happened',
    paywall_shown      UInt64,
    subscribe_start    UInt64,
    subscribe_complete UInt64,
    start_rate         Nullable(Float64) COMMENT 'subscribe_start / paywall_shown',
    complete_rate      Nullable(Float64) COMMENT 'subscribe_complete / subscribe_start',
    conversion_rate    Nullable(Float64) COMMENT 'subscribe_complete / paywall_shown'
)
AS SELECT
    day, agency_id, site_id, section, shown AS paywall_shown, started AS subscribe_start, completed AS subscribe_complete,
    started / nullIf(shown, 0) AS start_rate,
    completed / nullIf(started, 0) AS complete_rate,
    completed / nullIf(shown, 0) AS conversion_rate
FROM
(
    SELECT
        toDate(hour) AS day,
        agency_id,
        site_id,
        section,
        sum(paywall_shown) AS shown,
        sum(subscribe_start) AS started,
        sum(subscribe_complete) AS completed
    FROM {db}.rollup_site_hourly
    GROUP BY day, agency_id, site_id, section
)
WHERE shown + started + completed > 0
COMMENT 'Paywall shown → subscribe start → subscribe complete per Vietnam day, site and section; bots excluded';
