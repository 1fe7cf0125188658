// Guards for SQL that operators and analysts send through the service: one read-only statement.

const READ_ONLY = /^(select|with|show|describe|desc|explain|exists)\b/i

/** Strips leading comments and whitespace, then checks the statement kind; rejects a second statement. */
export function readOnlyProblem(sql: string): string | undefined {
  const body = sql
    .replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '')
    .trim()
    .replace(/;\s*$/, '')
  if (!body) return 'the query is empty'
  if (!READ_ONLY.test(body)) return 'only read-only statements (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS) are allowed'
  // A semicolon outside quotes means a second statement.
  let quote: string | undefined
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = undefined
    } else if (c === "'" || c === '"' || c === '`') quote = c
    else if (c === ';') return 'one statement per query'
  }
  return undefined
}
