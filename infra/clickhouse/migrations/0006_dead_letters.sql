-- Messages the pipeline could not accept, with the reason. In Kafka mode they also go to the events-dlq
-- topic; in embedded mode (no Kafka) this table is the dead-letter queue. Nothing is dropped silently.
CREATE TABLE IF NOT EXISTS {db}.dead_letters
(
    at          DateTime64(3, 'UTC'),
    source      LowCardinality(String) COMMENT 'topic:partition:offset, or embedded',
    reason      String,
    payload     String COMMENT 'original bytes (truncated to 256 KiB), base64 when not valid UTF-8',
    truncated   UInt8
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY at
TTL toDateTime(at) + INTERVAL 90 DAY;
