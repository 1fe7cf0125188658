// What a processing step returns: the row, a deliberate drop, or a dead letter with its reason.
export type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'drop'; reason: string } | { kind: 'dlq'; reason: string }

/** Turns raw message bytes into a row or a reason; never throws for bad input. */
export type Processor<T> = (value: Buffer | null) => Outcome<T>
