// Persistence of the daily visitor-id salts in ClickHouse, shared by every collector instance.
// The salt store (ingest/edge/visitor-id.ts) picks the same winner on every instance from these rows.
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import type { SaltRecord } from '../edge/index.ts'

/** Every salt of the last three days (older rows expire by TTL and are deleted by housekeeping). */
export async function loadSalts(ch: ClickHouse): Promise<SaltRecord[]> {
  const rs = await ch.client.query({
    query: `SELECT toString(day) AS d, salt FROM ${ch.database}.visitor_salts
            WHERE day >= toDate(now(), 'Asia/Ho_Chi_Minh') - 2`,
    format: 'JSONEachRow',
  })
  return (await rs.json<{ d: string; salt: string }>()).map((r) => ({ day: r.d, salt: Buffer.from(r.salt, 'base64') }))
}

/** Stores a salt proposed by this instance. */
export async function saveSalt(ch: ClickHouse, rec: SaltRecord, createdBy: string): Promise<void> {
  await ch.client.insert({
    table: `${ch.database}.visitor_salts`,
    format: 'JSONEachRow',
    values: [
      {
        day: rec.day,
        salt: rec.salt.toString('base64'),
        created_at: new Date().toISOString().replace('T', ' ').replace('Z', ''),
        created_by: createdBy,
      },
    ],
  })
}

/** Deletes salts older than yesterday, so visitor ids of earlier days can never be recomputed. */
export async function dropOldSalts(ch: ClickHouse, today: string): Promise<void> {
  await ch.client.command({
    query: `ALTER TABLE ${ch.database}.visitor_salts DELETE WHERE day < toDate({today:String}) - 1`,
    query_params: { today },
  })
}
