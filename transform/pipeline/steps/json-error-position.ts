// Finds where JSON text stops being valid, because V8's JSON.parse messages only sometimes say where
// ("Unexpected token '}', ... is not valid JSON" has no position). Only runs after JSON.parse failed.

export interface JsonSyntaxError {
  /** UTF-16 offset of the first offending character (the text length for a premature end). */
  position: number
  problem: string
}

/** Returns the first syntax error of `text` per RFC 8259, or undefined when the text is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0
  const fail = (problem: string, at = i): never => {
    throw { position: at, problem } satisfies JsonSyntaxError
  }
  const describe = (at: number) =>
    at >= text.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(text[at])}`
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++
  }
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail(describe(i))
  }
  const string = () => {
    i++ // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string')
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        i++
        return
      }
      if (c < 0x20) fail('control character in string')
      if (c === 0x5c) {
        const e = text[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape', i)
          i += 6
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2
        else fail('bad escape', i)
      } else i++
    }
  }
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (!m || m[0] === '-' || m[0] === '') fail(describe(i))
    i += m?.[0].length ?? 0
  }
  const value = (depth: number): void => {
    if (depth > 10_000) fail('nesting too deep')
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      ws()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        ws()
        if (text[i] !== '"') fail(i >= text.length ? describe(i) : 'expected a double-quoted property name')
        string()
        ws()
        if (text[i] !== ':') fail(i >= text.length ? describe(i) : "expected ':' after property name")
        i++
        value(depth + 1)
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return
        }
        fail(i >= text.length ? describe(i) : "expected ',' or '}'")
      }
    } else if (c === '[') {
      i++
      ws()
      if (text[i] === ']') {
        i++
        return
      }
      for (;;) {
        value(depth + 1)
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return
        }
        fail(i >= text.length ? describe(i) : "expected ',' or ']'")
      }
    } else if (c === '"') string()
    else if (c === 't') literal('true')
    else if (c === 'f') literal('false')
    else if (c === 'n') literal('null')
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number()
    else fail(describe(i))
  }
  try {
    value(0)
    ws()
    if (i < text.length) fail('unexpected data after the JSON value')
    return undefined
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'position' in err && 'problem' in err)
      return err as JsonSyntaxError
    throw err
  }
}
