-- Analyst views of the forecast outputs: only rows of job runs that succeeded (a run killed half-way or failed
-- leaves rows that these views never show).
CREATE VIEW IF NOT EXISTS {db}.v_forecasts AS
SELECT *
FROM {db}.forecasts
WHERE run_id IN (SELECT run_id FROM {db}.job_runs GROUP BY run_id HAVING argMax(status, updated_at) = 'succeeded');

CREATE VIEW IF NOT EXISTS {db}.v_forecast_metrics AS
SELECT *
FROM {db}.forecast_metrics
WHERE run_id IN (SELECT run_id FROM {db}.job_runs GROUP BY run_id HAVING argMax(status, updated_at) = 'succeeded');

CREATE VIEW IF NOT EXISTS {db}.v_forecast_anomalies AS
SELECT *
FROM {db}.forecast_anomalies
WHERE run_id IN (SELECT run_id FROM {db}.job_runs GROUP BY run_id HAVING argMax(status, updated_at) = 'succeeded');

CREATE VIEW IF NOT EXISTS {db}.v_article_potential AS
SELECT *
FROM {db}.article_potential
WHERE run_id IN (SELECT run_id FROM {db}.job_runs GROUP BY run_id HAVING argMax(status, updated_at) = 'succeeded');
