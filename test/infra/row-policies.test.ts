import { describe, expect, it } from 'vitest'
import {
  ANALYST_OBJECTS,
  agencyAccessSql,
  platformAccessSql,
  quoteIdentifier,
  quoteString,
} from '../../infra/clickhouse/row-policies.ts'

describe('agencyAccessSql', () => {
  const sql = agencyAccessSql({ database: 'nhip', agencyId: 'lamdong' })

  it('creates the role first, then grants SELECT and a row policy on every analyst table and view', () => {
    expect(sql[0]).toBe('CREATE ROLE IF NOT EXISTS `analyst_lamdong`')
    expect(sql).toHaveLength(2 + 2 * ANALYST_OBJECTS.length)
    // The forecast views keep succeeded runs by job_runs: its run ids and statuses, nothing else, no policy.
    expect(sql).toContain(
      'GRANT SELECT(run_id, status, updated_at) ON `nhip`.`job_runs` TO `analyst_lamdong`',
    )
    expect(sql).toContain(
      "CREATE ROW POLICY IF NOT EXISTS `nhip_agency_lamdong` ON `nhip`.`v_forecasts` FOR SELECT USING agency_id = 'lamdong' AS PERMISSIVE TO `analyst_lamdong`",
    )
    expect(sql).toContain('GRANT SELECT ON `nhip`.`events` TO `analyst_lamdong`')
    expect(sql).toContain('GRANT SELECT ON `nhip`.`v_article_daily` TO `analyst_lamdong`')
    expect(sql).toContain(
      "CREATE ROW POLICY IF NOT EXISTS `nhip_agency_lamdong` ON `nhip`.`rollup_site_hourly` FOR SELECT USING agency_id = 'lamdong' AS PERMISSIVE TO `analyst_lamdong`",
    )
    for (const object of ANALYST_OBJECTS) {
      expect(sql.filter((q) => q.includes(`\`nhip\`.\`${object}\``))).toHaveLength(2)
    }
  })

  it('is idempotent SQL: every CREATE says IF NOT EXISTS', () => {
    for (const q of sql.filter((s) => s.startsWith('CREATE')))
      expect(q).toMatch(/^CREATE (ROLE|ROW POLICY) IF NOT EXISTS /)
  })

  it('quotes agency ids with dots and dashes in names, and as a string literal in the filter', () => {
    const q = agencyAccessSql({ database: 'nhip_prod', agencyId: 'bao-lam.dong' })
    expect(q[0]).toBe('CREATE ROLE IF NOT EXISTS `analyst_bao-lam.dong`')
    expect(q).toContain(
      "CREATE ROW POLICY IF NOT EXISTS `nhip_agency_bao-lam.dong` ON `nhip_prod`.`v_paywall_funnel` FOR SELECT USING agency_id = 'bao-lam.dong' AS PERMISSIVE TO `analyst_bao-lam.dong`",
    )
  })

  it('takes a role name of the operator’s choosing', () => {
    const q = agencyAccessSql({ database: 'nhip', agencyId: 'khanhhoa', roleName: 'KhanhHoa_Analysts' })
    expect(q[0]).toBe('CREATE ROLE IF NOT EXISTS `KhanhHoa_Analysts`')
    expect(q.at(-1)).toMatch(/USING agency_id = 'khanhhoa' AS PERMISSIVE TO `KhanhHoa_Analysts`$/)
  })

  it.each([
    ["lamdong' OR 1 = 1 --"],
    ['LamDong'],
    [''],
    ['-lamdong'],
    ['lam dong'],
    ['lam`dong'],
    ['a'.repeat(65)],
  ])('rejects the agency id %j', (agencyId) => {
    expect(() => agencyAccessSql({ database: 'nhip', agencyId })).toThrow()
  })

  it('rejects a database or role name that is not a plain identifier', () => {
    expect(() => agencyAccessSql({ database: 'nhip; DROP DATABASE nhip', agencyId: 'lamdong' })).toThrow()
    expect(() => agencyAccessSql({ database: 'nhip', agencyId: 'lamdong', roleName: 'x` TO ALL' })).toThrow()
  })
})

describe('platformAccessSql', () => {
  it('gives the platform role every row of every analyst table and view', () => {
    const sql = platformAccessSql({ database: 'nhip' })
    expect(sql[0]).toBe('CREATE ROLE IF NOT EXISTS `nhip_platform`')
    expect(sql.slice(1)).toHaveLength(ANALYST_OBJECTS.length)
    expect(sql).toContain(
      'CREATE ROW POLICY IF NOT EXISTS `nhip_platform_all` ON `nhip`.`events` FOR SELECT USING 1 AS PERMISSIVE TO `nhip_platform`',
    )
  })
})

describe('quoting', () => {
  it('escapes backslashes and quotes', () => {
    expect(quoteIdentifier('a`b\\c')).toBe('`a\\`b\\\\c`')
    expect(quoteString("it's \\ here")).toBe("'it\\'s \\\\ here'")
  })
})
