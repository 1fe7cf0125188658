// `nhip sites add | list | rotate-key`: register the sites whose events the collector accepts.
import { audit, cliActor } from '../../infra/audit.ts'
import { addSite, listSites, rotateSiteKey } from '../../ingest/sites/sites.ts'
import { renderTable } from './sql.ts'
import { type Context, openMigrated } from '../context.ts'

export async function sitesAddCommand(
  ctx: Context,
  opts: { agency: string; site: string; domain: string[]; name?: string; language?: string },
): Promise<void> {
  const ch = await openMigrated(ctx, 'nhip sites add')
  try {
    const { site, apiKey } = await addSite(ch, {
      agency_id: opts.agency,
      site_id: opts.site,
      domains: opts.domain,
      ...(opts.name ? { name: opts.name } : {}),
      language: (opts.language ?? 'vi') as 'vi' | 'en',
    })
    await audit(ch, { actor: cliActor(), action: 'site.add', agencyId: site.agency_id, target: site.site_id, details: { domains: site.domains, key_id: site.api_key_id } })
    ctx.log.info({ site: site.site_id, agency: site.agency_id, key_id: site.api_key_id }, 'site added')
    process.stdout.write(
      [
        `Site ${site.site_id} (agency ${site.agency_id}) registered for ${site.domains.join(', ')}.`,
        `API key (shown once — store it now): ${apiKey}`,
        '',
      ].join('\n'),
    )
  } finally {
    await ch.close()
  }
}

export async function sitesListCommand(ctx: Context): Promise<void> {
  const ch = await openMigrated(ctx, 'nhip sites list')
  try {
    const sites = await listSites(ch)
    process.stdout.write(
      renderTable(
        ['agency', 'site', 'name', 'domains', 'key id', 'language', 'created'],
        sites.map((s) => [s.agency_id, s.site_id, s.name, s.domains.join(','), s.api_key_id, s.language, s.created_at]),
      ),
    )
  } finally {
    await ch.close()
  }
}

export async function sitesRotateKeyCommand(ctx: Context, siteId: string): Promise<void> {
  const ch = await openMigrated(ctx, 'nhip sites rotate-key')
  try {
    const { site, apiKey } = await rotateSiteKey(ch, siteId)
    await audit(ch, { actor: cliActor(), action: 'site.rotate_key', agencyId: site.agency_id, target: site.site_id, details: { key_id: site.api_key_id } })
    ctx.log.info({ site: site.site_id, key_id: site.api_key_id }, 'site API key rotated')
    process.stdout.write(`New API key for ${site.site_id} (shown once; the old key stops working within a minute): ${apiKey}\n`)
  } finally {
    await ch.close()
  }
}
