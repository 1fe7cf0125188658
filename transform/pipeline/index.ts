// The transform worker's event pipeline: pure steps from Kafka bytes to an `events` row.

export { dlq, drop, isOk, ok, type Rejection, type Step, type StepResult } from './outcome.ts'
export {
  createEventPipeline,
  type EnrichedEvent,
  type EventPipeline,
  type EventPipelineDeps,
  type MessagePipeline,
  type PipelineEvent,
  toEventRow,
} from './pipeline.ts'
export {
  type BotFilterOptions,
  type BotFlagged,
  type BotKind,
  botKindOf,
  createBotFilterStep,
} from './steps/bot-filter.ts'
export { createParseStep, MAX_MESSAGE_BYTES, type ParseStepOptions } from './steps/parse.ts'
export {
  classifyReferrer,
  createReferrerClassifier,
  createReferrerStep,
  type PageFacts,
  pathOf,
  type ReferrerClass,
  type ReferrerFacts,
  type ReferrerInput,
} from './steps/referrer.ts'
export { SOURCE_RULES, type SourceRule, UTM_SOURCE_ALIASES } from './steps/referrer-sources.ts'
export {
  createSessionAssigner,
  createSessionizer,
  createSessionizeStep,
  createSessionStore,
  type OpenSession,
  type SessionAssignment,
  type SessionEvent,
  type Sessionized,
  type Sessionizer,
  type SessionizerOptions,
  type SessionState,
  type SessionStore,
  sessionId,
} from './steps/sessionize.ts'
export { createValidateStep } from './steps/validate.ts'
