// The audience simulator: a seeded, reproducible model of a province's press group (3 agencies, 5 sites),
// its articles and readers, streamed as contract events hour by hour, with the ground truth it generated.
// Pure code; the drivers (backfill, live) take their IO as arguments.

export {
  type BackfillOptions,
  type BackfillProgress,
  type BackfillResult,
  backfill,
  type SimMessageRecord,
  type SimRecord,
} from './backfill.ts'
export { browserBatch, clientAddress, toBrowserEvent } from './browser.ts'
export {
  AGENCIES,
  type AgencySpec,
  CHANNEL_CLASS,
  type Channel,
  HOUR_WEIGHTS,
  SITES,
  type SiteSpec,
} from './catalog.ts'
export { BOT_USER_AGENTS, READER_USER_AGENTS } from './clients.ts'
export { type DayTruth, type GroundTruth, serializeGroundTruth } from './ground-truth.ts'
export { type LiveOptions, type LiveStats, runLive } from './live.ts'
export {
  type Article,
  dayNumberOf,
  dayOfNumber,
  vietnamDayNumber,
  vietnamHourIndex,
  vietnamHourLabel,
  vietnamMidnight,
} from './model.ts'
export {
  type HourBatch,
  SIMULATOR_VERSION,
  Simulation,
  type SimulationOptions,
  simulateDays,
} from './simulate.ts'
export { SECTION_NAMES, slugify, TOPICS, type Topic } from './vietnamese.ts'
