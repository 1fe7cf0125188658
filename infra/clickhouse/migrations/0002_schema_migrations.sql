-- One row per applied migration; the runner refuses to start when an applied file's checksum changed.
CREATE TABLE IF NOT EXISTS {db}.schema_migrations
(
    version     UInt32,
    name        String,
    checksum    FixedString(64),
    applied_at  DateTime64(3, 'UTC'),
    duration_ms UInt32
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version;
