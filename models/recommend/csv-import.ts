// CSV imports for offline evaluation: interactions (`user,item,timestamp`) and items
// (`item,title[,tags,section,published]`). Pure text → rows; a bad row is rejected with its line number.
import { z } from 'zod'
import type { ItemMeta } from './features.ts'

/** One read: who read what, when (epoch ms). */
export interface Interaction {
  user: string
  item: string
  ts: number
}

export interface CsvRowError {
  /** 1-based line number in the file where the record starts (the header is line 1). */
  line: number
  message: string
}

export interface CsvImport<T> {
  rows: T[]
  errors: CsvRowError[]
}

/** A CSV record with the line it started on. */
export interface CsvRecord {
  line: number
  fields: string[]
}

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines. A UTF-8 BOM is skipped. */
export function parseCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = []
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  let fields: string[] = []
  let field = ''
  let recordLine = 1
  let quoted = false
  let sawAny = false
  const endRecord = () => {
    fields.push(field)
    if (!(fields.length === 1 && fields[0] === '' && !sawAny)) records.push({ line: recordLine, fields })
    fields = []
    field = ''
    sawAny = false
  }
  for (; i < text.length; i++) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else {
        if (c === '\n') line++
        field += c
      }
      continue
    }
    if (c === '"' && field === '') {
      quoted = true
      sawAny = true
    } else if (c === ',') {
      fields.push(field)
      field = ''
      sawAny = true
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      endRecord()
      line++
      recordLine = line
    } else {
      field += c
      sawAny = true
    }
  }
  if (field !== '' || fields.length > 0 || sawAny) endRecord()
  return records
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/
const UNIX_SECONDS = /^\d{1,11}(\.\d+)?$/

/**
 * Timestamp → epoch ms: ISO-8601 (a time without an offset is read as UTC) or Unix seconds.
 * Returns an error string instead of throwing, so the caller can name the row.
 */
export function parseTimestamp(raw: string): number | string {
  const v = raw.trim()
  if (UNIX_SECONDS.test(v)) return Math.round(Number(v) * 1000)
  if (/^\d{12,}$/.test(v)) return `"${v}" looks like Unix milliseconds; give Unix seconds or ISO-8601`
  if (ISO_8601.test(v)) {
    const withZone =
      /[T ]\d{2}:\d{2}/.test(v) && !/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? `${v.replace(' ', 'T')}Z` : v
    const ms = Date.parse(withZone.replace(' ', 'T'))
    if (Number.isFinite(ms)) return ms
  }
  return `timestamp "${raw}" is neither ISO-8601 nor Unix seconds`
}

const idField = (name: string) =>
  z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1, `${name} is empty`).max(512, `${name} is longer than 512 characters`))

const InteractionRow = z.object({ user: idField('user'), item: idField('item'), timestamp: z.string() })

function columnIndex(header: string[], required: string[], optional: string[]): Map<string, number> | string {
  const names = header.map((h) => h.trim().toLowerCase())
  const index = new Map<string, number>()
  for (const name of [...required, ...optional]) {
    const at = names.indexOf(name)
    if (at >= 0) index.set(name, at)
  }
  const missing = required.filter((r) => !index.has(r))
  if (missing.length > 0) return `header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`
  return index
}

function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ')
}

/**
 * Parses `user,item,timestamp` rows. The header is optional (without one, columns are positional).
 * @example parseInteractionsCsv('user,item,timestamp\nu1,a1,1717200000\n').rows // [{ user: 'u1', item: 'a1', ts: 1717200000000 }]
 */
export function parseInteractionsCsv(text: string): CsvImport<Interaction> {
  const records = parseCsvRecords(text)
  const errors: CsvRowError[] = []
  const rows: Interaction[] = []
  const first = records[0]
  let cols = new Map([
    ['user', 0],
    ['item', 1],
    ['timestamp', 2],
  ])
  let start = 0
  if (first?.fields.some((f) => f.trim().toLowerCase() === 'user')) {
    const idx = columnIndex(first.fields, ['user', 'item', 'timestamp'], [])
    if (typeof idx === 'string') return { rows, errors: [{ line: first?.line ?? 1, message: idx }] }
    cols = idx
    start = 1
  }
  for (let r = start; r < records.length; r++) {
    const rec = records[r] as CsvRecord
    const get = (name: string) => rec.fields[cols.get(name) ?? -1]
    if (rec.fields.length < 3) {
      errors.push({
        line: rec.line,
        message: `expected 3 columns (user,item,timestamp), got ${rec.fields.length}`,
      })
      continue
    }
    const parsed = InteractionRow.safeParse({
      user: get('user'),
      item: get('item'),
      timestamp: get('timestamp') ?? '',
    })
    if (!parsed.success) {
      errors.push({ line: rec.line, message: zodMessage(parsed.error) })
      continue
    }
    const ts = parseTimestamp(parsed.data.timestamp)
    if (typeof ts === 'string') {
      errors.push({ line: rec.line, message: ts })
      continue
    }
    rows.push({ user: parsed.data.user, item: parsed.data.item, ts })
  }
  return { rows, errors }
}

/** Tags in one CSV cell: separated by `|` or `;` (commas would need quoting). */
export function splitTags(cell: string): string[] {
  return cell
    .split(/[|;]/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
}

/**
 * Parses `item,title[,tags,section,published]` rows (a header naming the columns is required, so optional
 * columns can be in any order). Optional extra columns `author` and `paywalled` (true/false/1/0) are read too.
 */
export function parseItemsCsv(text: string): CsvImport<ItemMeta> {
  const records = parseCsvRecords(text)
  const errors: CsvRowError[] = []
  const rows: ItemMeta[] = []
  const first = records[0]
  if (!first) return { rows, errors }
  const cols = columnIndex(
    first.fields,
    ['item', 'title'],
    ['tags', 'section', 'published', 'author', 'paywalled'],
  )
  if (typeof cols === 'string') {
    return {
      rows,
      errors: [{ line: first.line, message: `${cols} (expected item,title[,tags,section,published])` }],
    }
  }
  const seen = new Set<string>()
  for (let r = 1; r < records.length; r++) {
    const rec = records[r] as CsvRecord
    const get = (name: string) => {
      const at = cols.get(name)
      return at === undefined ? undefined : rec.fields[at]
    }
    const id = idField('item').safeParse(get('item') ?? '')
    if (!id.success) {
      errors.push({ line: rec.line, message: zodMessage(id.error) })
      continue
    }
    if (seen.has(id.data)) {
      errors.push({ line: rec.line, message: `item "${id.data}" appears twice` })
      continue
    }
    const item: ItemMeta = { id: id.data, title: get('title') ?? '' }
    const tags = get('tags')
    if (tags) item.tags = splitTags(tags)
    const section = get('section')?.trim()
    if (section) item.section = section
    const author = get('author')?.trim()
    if (author) item.author = author
    const published = get('published')?.trim()
    if (published) {
      const ts = parseTimestamp(published)
      if (typeof ts === 'string') {
        errors.push({ line: rec.line, message: `published: ${ts}` })
        continue
      }
      item.published = ts
    }
    const paywalled = get('paywalled')?.trim().toLowerCase()
    if (paywalled) {
      if (!['true', 'false', '1', '0'].includes(paywalled)) {
        errors.push({ line: rec.line, message: `paywalled "${paywalled}" is not true/false/1/0` })
        continue
      }
      item.paywalled = paywalled === 'true' || paywalled === '1'
    }
    seen.add(item.id)
    rows.push(item)
  }
  return { rows, errors }
}
