// The code a result was measured on: the commit, and whether the tree had uncommitted changes (several
// people change this tree at once, so a number without its revision cannot be compared later).
import { execFileSync } from 'node:child_process'

/** `abc1234` or `abc1234+dirty`; `unknown` outside a git checkout. */
export function codeRevision(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim()
    return dirty ? `${sha}+dirty` : sha
  } catch {
    return 'unknown'
  }
}
