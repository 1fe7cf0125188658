-- Web app sign-in sessions. The cookie holds a random 256-bit token; only its SHA-256 is stored, so a
-- copy of this table cannot be replayed. Sign-out writes a newer version with revoked = 1.
CREATE TABLE IF NOT EXISTS {db}.web_sessions
(
    token_hash FixedString(64),
    username   String,
    agency_id  LowCardinality(String),
    role       LowCardinality(String),
    created_at DateTime64(3, 'UTC'),
    expires_at DateTime64(3, 'UTC'),
    revoked    UInt8 DEFAULT 0,
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY token_hash
TTL toDateTime(expires_at) + INTERVAL 1 DAY;
