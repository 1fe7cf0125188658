-- Registered sites: which agency owns them, the origins their browser events may come from,
-- and the SHA-256 hash of their server-side API key (the key itself is shown once and never stored).
CREATE TABLE IF NOT EXISTS {db}.sites
(
    site_id        LowCardinality(String),
    agency_id      LowCardinality(String),
    name           String,
    domains        Array(String) COMMENT 'host names; subdomains of a host are accepted too',
    api_key_id     String COMMENT 'public prefix that identifies the key in logs and audit',
    api_key_hash   FixedString(64) COMMENT 'hex SHA-256 of the full key (keys are 256-bit random)',
    language       LowCardinality(String) DEFAULT 'vi',
    created_at     DateTime64(3, 'UTC'),
    updated_at     DateTime64(3, 'UTC'),
    deleted        UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY site_id;
