-- People who sign in to the web app, each bound to one agency. Passwords are stored as scrypt hashes with
-- a per-user salt (`scrypt$N$r$p$salt$hash`, base64url). Latest version per username wins (FINAL).
CREATE TABLE IF NOT EXISTS {db}.users
(
    username      String,
    agency_id     LowCardinality(String),
    role          LowCardinality(String) COMMENT 'admin | editor | analyst',
    email         String DEFAULT '' COMMENT 'receives report e-mails when set and SMTP is configured',
    password_hash String,
    created_at    DateTime64(3, 'UTC'),
    updated_at    DateTime64(3, 'UTC'),
    disabled      UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY username;
