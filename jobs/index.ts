// Public surface of jobs/: the registry and scheduler, the built-in jobs, and what the web app reads.
// Other job modules (recommendations, forecasts) add themselves in registerBuiltinJobs below, one line each.
import { createForecastJob } from './forecast-hourly.ts'
import { createForecastTrainJob } from './forecast-train.ts'
import { createHousekeepingJob } from './housekeeping.ts'
import { createJobRegistry, type JobRegistry } from './job.ts'
import { createRecommendationJob } from './recommend-job.ts'
import { createReportJob } from './reports/report-job.ts'
import { createScheduler, type Scheduler, type SchedulerOptions } from './scheduler.ts'

export { writeFileAtomic } from './atomic-file.ts'
export { cronSchedule } from './cron-schedule.ts'
export type { JobContext, JobDefinition, JobRegistry, KeyFigures, RetryPolicy } from './job.ts'
export { createJobRegistry, DEFAULT_RETRY, JobError } from './job.ts'
export { acquireLease, currentLeaseHolder } from './lease.ts'
export { loadServingSnapshot } from './recommend/data.ts'
export { serveRecommendations } from './recommend/serve-route.ts'
export { createRecommendationJob, recommendRegistryDir } from './recommend-job.ts'
export { agencyLanguage, listReportSites } from './reports/data.ts'
export type { EmailSettings } from './reports/email.ts'
export { escapeHtml, html, SafeHtml, trusted } from './reports/html.ts'
export { type Lang, type Messages, messages, type ReportKind } from './reports/i18n.ts'
export { reportPath, reportUrlPath } from './reports/report-job.ts'
export { type ListedReport, listReports } from './reports/reports-table.ts'
export { parseRunHistory, queryRunHistory, type RunRecord, runHistorySql } from './runs-table.ts'
export type { JobInfo, RunOutcome, Scheduler, SchedulerOptions } from './scheduler.ts'
export { createScheduler, runDay, scheduledForDay } from './scheduler.ts'

/**
 * Registers the jobs that ship with Nhịp: daily-report (06:00), weekly-report (Monday 07:00),
 * housekeeping (03:30). Recommendation and forecast jobs register here as well.
 */
export function registerBuiltinJobs(registry: JobRegistry): JobRegistry {
  registry.registerJob(createReportJob('daily'))
  registry.registerJob(createReportJob('weekly'))
  registry.registerJob(createHousekeepingJob())
  registry.registerJob(createForecastTrainJob())
  registry.registerJob(createForecastJob())
  registry.registerJob(createRecommendationJob())
  return registry
}

/**
 * The scheduler with every built-in job, for `nhip start` (via registerWebApp) and `nhip jobs`.
 * @example const scheduler = createJobScheduler({ ch, log, dataDir }); await scheduler.start()
 */
export function createJobScheduler(
  opts: Omit<SchedulerOptions, 'registry'> & { registry?: JobRegistry },
): Scheduler {
  return createScheduler({ ...opts, registry: opts.registry ?? registerBuiltinJobs(createJobRegistry()) })
}
