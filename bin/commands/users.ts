// `nhip users add`: web app accounts, each bound to one agency. The password comes from standard input
// (--password-stdin) or is generated and printed once; only its scrypt hash is stored.
import { AppError } from '../../infra/errors.ts'
import { createUser, generatePassword } from '../../web/users.ts'
import { type Context, openMigrated } from '../context.ts'

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

export async function usersAddCommand(
  ctx: Context,
  opts: { username: string; agency: string; role: string; email?: string; passwordStdin?: boolean },
): Promise<void> {
  const password = opts.passwordStdin ? await readStdin() : generatePassword()
  if (opts.passwordStdin && !password)
    throw new AppError('USAGE', '--password-stdin: no password on standard input')
  const ch = await openMigrated(ctx, 'nhip users add')
  try {
    const user = await createUser(ch, {
      username: opts.username,
      agency_id: opts.agency,
      role: opts.role as 'admin' | 'editor' | 'analyst',
      email: opts.email ?? '',
      password,
    })
    ctx.log.info({ username: user.username, agency: user.agency_id, role: user.role }, 'user added')
    const lines = [`User ${user.username} (${user.role}, agency ${user.agency_id}) added.`]
    if (!opts.passwordStdin) lines.push(`Password (shown once — give it to the user now): ${password}`)
    process.stdout.write(`${lines.join('\n')}\n`)
  } finally {
    await ch.close()
  }
}
