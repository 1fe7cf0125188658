import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { escapeHtml, html, trusted } from '../../jobs/reports/html.ts'

describe('html template', () => {
  it('escapes interpolated text, arrays included', () => {
    const title = '<script>alert("x")</script> & \'Đà Lạt\''
    expect(html`<td title="${title}">${title}</td>`.value).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Đà Lạt&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Đà Lạt&#39;</td>',
    )
    expect(html`<ul>${['<b>', 'ok'].map((x) => html`<li>${x}</li>`)}</ul>`.value).toBe(
      '<ul><li>&lt;b&gt;</li><li>ok</li></ul>',
    )
  })

  it('passes trusted markup and drops null, undefined and false', () => {
    expect(html`${trusted('<svg></svg>')}${null}${undefined}${false}${0}`.value).toBe('<svg></svg>0')
  })

  it('never lets markup characters through', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = escapeHtml(s)
        expect(out).not.toMatch(/[<>"']/)
        expect(out.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&')
      }),
    )
  })
})
