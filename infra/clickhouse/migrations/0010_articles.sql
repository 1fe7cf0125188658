-- Article metadata, latest version per article. Feeds (CMS, RSS) and pages both write here; the writer
-- sets updated_at, and gives metadata seen on pages an older updated_at than any CMS/RSS version,
-- so the CMS wins once it has spoken. Read it with FINAL (or argMax by updated_at), e.g. through v_articles.
CREATE TABLE IF NOT EXISTS {db}.articles
(
    agency_id    LowCardinality(String),
    site_id      LowCardinality(String),
    article_id   String,
    url          String,
    title        String,
    section      LowCardinality(String) DEFAULT '',
    author       String DEFAULT '',
    tags         Array(String),
    published_at DateTime64(3, 'UTC'),
    updated_at   DateTime64(3, 'UTC') COMMENT 'version of this metadata; the highest wins (page-seen metadata is written older than CMS data)',
    paywalled    UInt8 DEFAULT 0,
    word_count   UInt32 DEFAULT 0,
    source       LowCardinality(String) DEFAULT 'cms' COMMENT 'cms | rss | page'
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (agency_id, site_id, article_id);
