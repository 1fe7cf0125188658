-- Who did what to whom: sign-ins, key changes, user changes, exports, erasures. Append-only.
CREATE TABLE IF NOT EXISTS {db}.audit_log
(
    at         DateTime64(3, 'UTC'),
    actor      String COMMENT 'user name, or cli:<os user>, or system',
    action     LowCardinality(String) COMMENT 'site.add, site.rotate_key, user.add, user.sign_in, user.sign_in_failed, privacy.erase, export, …',
    agency_id  LowCardinality(String) DEFAULT '',
    target     String DEFAULT '',
    details    String DEFAULT '' COMMENT 'JSON; never secrets'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (at, action);
