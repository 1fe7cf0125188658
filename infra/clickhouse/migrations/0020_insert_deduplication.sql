-- Crash-safe rollups. A worker killed in the middle of an insert can leave the rows in `events` while a
-- materialized view's share of the same insert never landed (each table commits its own part). So every
-- insert from Kafka carries a deduplication token that names its source (topic, partition, offset range),
-- the token is also stored on each row (ingest_token), and the rollup tables keep a deduplication window:
-- when a replay finds rows of a write that was never committed to Kafka, the writer sends those stored rows
-- again under the same token; tables that already have that block drop it, the views that missed it get it.
-- Back-fills and tools write without a token ('').
ALTER TABLE {db}.events ADD COLUMN IF NOT EXISTS ingest_token LowCardinality(String) DEFAULT '' COMMENT 'deduplication token of the insert that wrote the row: kafka:<topic>:<partition>:<first>-<last offset>@<first message ms>, or empty';
ALTER TABLE {db}.events ADD INDEX IF NOT EXISTS ingest_token_idx ingest_token TYPE set(256) GRANULARITY 1;
ALTER TABLE {db}.rollup_article_hourly MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE {db}.rollup_site_hourly MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE {db}.sessions MODIFY SETTING non_replicated_deduplication_window = 10000;
