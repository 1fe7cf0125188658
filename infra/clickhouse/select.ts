// A parameterised SELECT whose rows are checked with zod on the way in (ClickHouse returns 64-bit integers as
// strings in JSON; `z.coerce.number()` fields take care of that).
import { z } from 'zod'
import type { ClickHouse } from './client.ts'

/**
 * @example const rows = await selectRows(ch, 'SELECT site_id, count() AS n FROM nhip.events WHERE day = {day:Date} GROUP BY site_id', { day }, { site_id: z.string(), n: z.coerce.number() })
 */
export async function selectRows<T extends z.ZodRawShape>(
  ch: ClickHouse,
  query: string,
  params: Record<string, unknown>,
  shape: T,
): Promise<Array<z.infer<z.ZodObject<T>>>> {
  const rs = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return z.array(z.object(shape)).parse(await rs.json())
}
