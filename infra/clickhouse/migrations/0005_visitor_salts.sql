-- Daily secret salts for cookieless visitor ids (keyed hash of salt, site, IP, UA).
-- Several collector instances may race to create a day's salt: the earliest row wins (argMin by created_at),
-- so every instance converges on one salt. Old salts are deleted after two days, which makes the ids unlinkable.
CREATE TABLE IF NOT EXISTS {db}.visitor_salts
(
    day        Date,
    salt       String COMMENT 'base64 of 32 random bytes',
    created_at DateTime64(6, 'UTC'),
    created_by String
)
ENGINE = MergeTree
ORDER BY (day, created_at)
TTL day + INTERVAL 3 DAY;
