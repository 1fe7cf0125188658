-- Analyst view: one row per article and Vietnam day, from rollup_article_hourly (bots already excluded)
-- joined with the latest article metadata. Counts are kept next to the rates so that longer periods
-- can be re-aggregated correctly (sum the counts, then divide; never average the daily rates).
CREATE VIEW IF NOT EXISTS {db}.v_article_daily
(
    day                Date COMMENT 'calendar day in Vietnam time (Asia/Ho_Chi_Minh)',
    agency_id          LowCardinality(String),
    site_id            LowCardinality(String),
    article_id         String,
    title              String COMMENT 'latest title from articles; empty when no metadata arrived yet',
    section            LowCardinality(String) COMMENT 'section from articles, else the section seen on the pages',
    author             String,
    published_at       Nullable(DateTime64(3, 'UTC')) COMMENT 'NULL when no metadata arrived yet',
    paywalled          UInt8,
    word_count         UInt32,
    pageviews          UInt64,
    visitors           UInt64 COMMENT 'distinct visitors that day (uniq: approximate, about 2 % on large counts)',
    engaged_ms         UInt64 COMMENT 'total engaged time, milliseconds',
    engaged_pageviews  UInt64 COMMENT 'page views with some engaged time (approximate distinct count)',
    avg_engaged_s      Nullable(Float64) COMMENT 'engaged seconds per pageview',
    read_completes     UInt64,
    read_complete_rate Nullable(Float64) COMMENT 'read_complete events / pageviews',
    avg_scroll_pct     Nullable(Float64) COMMENT 'average maximum scroll depth, percent, over pages that reported one',
    mobile_pageviews   UInt64,
    mobile_share       Nullable(Float64),
    share_search       Nullable(Float64) COMMENT 'share of pageviews referred by search engines',
    share_social       Nullable(Float64),
    share_messaging    Nullable(Float64) COMMENT 'Zalo, Messenger, Telegram…',
    share_aggregator   Nullable(Float64) COMMENT 'Báo Mới and other news aggregators',
    share_direct       Nullable(Float64),
    share_internal     Nullable(Float64),
    share_campaign     Nullable(Float64),
    share_other        Nullable(Float64)
)
AS SELECT
    r.day AS day,
    r.agency_id AS agency_id,
    r.site_id AS site_id,
    r.article_id AS article_id,
    a.title AS title,
    if(a.section != '', a.section, r.seen_section) AS section,
    a.author AS author,
    if(a.article_id = '', NULL, a.published_at) AS published_at,
    a.paywalled AS paywalled,
    a.word_count AS word_count,
    r.pageviews AS pageviews,
    r.visitors AS visitors,
    r.engaged_ms AS engaged_ms,
    r.engaged_pageviews AS engaged_pageviews,
    r.engaged_ms / 1000 / nullIf(r.pageviews, 0) AS avg_engaged_s,
    r.read_completes AS read_completes,
    r.read_completes / nullIf(r.pageviews, 0) AS read_complete_rate,
    r.scroll_pct_sum / nullIf(r.scroll_samples, 0) AS avg_scroll_pct,
    r.mobile_pageviews AS mobile_pageviews,
    r.mobile_pageviews / nullIf(r.pageviews, 0) AS mobile_share,
    r.pv_search / nullIf(r.pageviews, 0) AS share_search,
    r.pv_social / nullIf(r.pageviews, 0) AS share_social,
    r.pv_messaging / nullIf(r.pageviews, 0) AS share_messaging,
    r.pv_aggregator / nullIf(r.pageviews, 0) AS share_aggregator,
    r.pv_direct / nullIf(r.pageviews, 0) AS share_direct,
    r.pv_internal / nullIf(r.pageviews, 0) AS share_internal,
    r.pv_campaign / nullIf(r.pageviews, 0) AS share_campaign,
    r.pv_other / nullIf(r.pageviews, 0) AS share_other
FROM
(
    SELECT
        toDate(hour) AS day,
        agency_id,
        site_id,
        article_id,
        max(section) AS seen_section,
        sum(pageviews) AS pageviews,
        uniqMerge(visitors) AS visitors,
        sum(engaged_ms) AS engaged_ms,
        uniqMerge(engaged_pageviews) AS engaged_pageviews,
        sum(scroll_pct_sum) AS scroll_pct_sum,
        sum(scroll_samples) AS scroll_samples,
        sum(read_completes) AS read_completes,
        sum(mobile_pageviews) AS mobile_pageviews,
        sum(pv_search) AS pv_search,
        sum(pv_social) AS pv_social,
        sum(pv_messaging) AS pv_messaging,
        sum(pv_aggregator) AS pv_aggregator,
        sum(pv_direct) AS pv_direct,
        sum(pv_internal) AS pv_internal,
        sum(pv_campaign) AS pv_campaign,
        sum(pv_other) AS pv_other
    FROM {db}.rollup_article_hourly
    GROUP BY day, agency_id, site_id, article_id
) AS r
LEFT JOIN
(
    SELECT agency_id, site_id, article_id, title, section, author, published_at, paywalled, word_count
    FROM {db}.articles FINAL
) AS a ON a.agency_id = r.agency_id AND a.site_id = r.site_id AND a.article_id = r.article_id
COMMENT 'Per article and Vietnam day: traffic, engagement, referrer mix; bots excluded';
