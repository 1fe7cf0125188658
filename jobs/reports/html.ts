// HTML built by a tagged template that escapes every interpolated value, so an article title such as
// `<script>…</script>` is shown as text. Only values wrapped by `trusted()` pass unescaped (our own markup
// and the SVG that vega renders from escaped data).

/** Markup that is already safe to insert. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)
}

type Part = SafeHtml | string | number | null | undefined | false | readonly Part[]

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return ''
  if (part instanceof SafeHtml) return part.value
  if (Array.isArray(part)) return part.map(render).join('')
  return escapeHtml(part)
}

/**
 * @example html`<td>${article.title}</td>` // the title is escaped
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? ''
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '')
  })
  return new SafeHtml(out)
}

/** Marks markup produced by trusted code (never user or reader data) as safe. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup)
}
