// What every pipeline step returns instead of throwing: the value, a deliberate drop, or a dead letter.
// Structurally the same as transform/outcome.ts's Outcome, so a pipeline is a consumer `Processor`.

export type StepResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'drop'; reason: string }
  | { kind: 'dlq'; reason: string }

/** A result that is not ok; fits any StepResult<T>. */
export type Rejection = { kind: 'drop'; reason: string } | { kind: 'dlq'; reason: string }

/** One pipeline step: a pure function from its input to an outcome. */
export type Step<I, O> = (input: I) => StepResult<O>

export const ok = <T>(value: T): StepResult<T> => ({ kind: 'ok', value })

/** Deliberately not stored (and not an error): e.g. an event we choose to ignore. */
export const drop = (reason: string): Rejection => ({ kind: 'drop', reason })

/** Cannot be processed as it is: goes to the dead-letter topic with the reason in a header. */
export const dlq = (reason: string): Rejection => ({ kind: 'dlq', reason })

export const isOk = <T>(r: StepResult<T>): r is { kind: 'ok'; value: T } => r.kind === 'ok'
