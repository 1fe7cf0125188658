-- The database that holds every Nhịp table. `{db}` is replaced by CLICKHOUSE_DATABASE.
CREATE DATABASE IF NOT EXISTS {db};
