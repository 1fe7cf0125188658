// Step 2: a JSON value → an EventMessage, checked against the shared contract. Anything else is a dead
// letter whose reason names the field and the problem, so the DLQ can be read without the payload.
import { EVENT_SCHEMA_VERSION, EventMessage } from '../../../ingest/contract/index.ts'
import { dlq, ok, type StepResult } from '../outcome.ts'

const MAX_ISSUES = 3
const MAX_MESSAGE = 160

/**
 * @example createValidateStep()({ v: 2 }) // { kind: 'dlq', reason: 'unsupported schema version 2' }
 */
export function createValidateStep(): (input: unknown) => StepResult<EventMessage> {
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return dlq(`invalid event: expected a JSON object, got ${describeType(input)}`)
    }
    const v = (input as { v?: unknown }).v
    if (v !== EVENT_SCHEMA_VERSION) {
      return dlq(
        v === undefined ? 'unsupported schema version (missing v)' : `unsupported schema version ${show(v)}`,
      )
    }
    const parsed = EventMessage.safeParse(input)
    if (parsed.success) return ok(parsed.data)
    const issues = parsed.error.issues
    const described = issues.slice(0, MAX_ISSUES).map((issue) => {
      const path = formatPath(issue.path)
      const message =
        issue.message.length > MAX_MESSAGE ? `${issue.message.slice(0, MAX_MESSAGE)}…` : issue.message
      return `${path}: ${message}`
    })
    const more = issues.length > MAX_ISSUES ? ` (+${issues.length - MAX_ISSUES} more)` : ''
    return dlq(`invalid event: ${described.join('; ')}${more}`)
  }
}

/** `client.device`, `props["utm x"]`, `tags[2]`; `(root)` for the object itself. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)'
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += out ? `.${key}` : key
    else out += `[${JSON.stringify(String(key)).slice(0, 70)}]`
  }
  return out
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

/** A short, single-line rendering of an unexpected `v`. */
function show(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}
