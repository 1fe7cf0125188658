// Where the collector serves the tracker's files (no build dependency, so the HTTP app can import it).

/**
 * The recommendation widget's path: next to the tracker, `.js` → `.r.js` (what the core tracker requests).
 * @example widgetPath('/s/p.js') // '/s/p.r.js'
 */
export function widgetPath(trackerPath: string): string {
  return trackerPath.replace(/\.js$/, '.r.js')
}
