-- Analyst view: the latest metadata of each article (ReplacingMergeTree collapsed with FINAL).
CREATE VIEW IF NOT EXISTS {db}.v_articles
(
    agency_id    LowCardinality(String),
    site_id      LowCardinality(String),
    article_id   String,
    url          String,
    title        String,
    section      LowCardinality(String),
    author       String,
    tags         Array(String),
    published_at DateTime64(3, 'UTC') COMMENT 'UTC instant; toTimeZone(published_at, ''Asia/Ho_Chi_Minh'') for Vietnam time',
    updated_at   DateTime64(3, 'UTC') COMMENT 'version of the metadata (highest wins; CMS beats page-seen metadata)',
    paywalled    UInt8,
    word_count   UInt32,
    source       LowCardinality(String) COMMENT 'cms | rss | page: where the winning version came from'
)
AS SELECT agency_id, site_id, article_id, url, title, section, author, tags, published_at, updated_at, paywalled, word_count, source
FROM {db}.articles FINAL
COMMENT 'Latest metadata per article (one row per agency_id, site_id, article_id)';
