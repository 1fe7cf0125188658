// Maps the English, diacritic-free subdivision names geo databases use ("Lam Dong Province", "Haiphong",
// "Long An Povince" — sic, in GeoLite2) to the official Vietnamese province name.
import { VIETNAM_PROVINCES, type VietnamProvince } from './data/vietnam-provinces.ts'

/** Lower-case ASCII letters and digits only: "Bà Rịa–Vũng Tàu Province" → "bariavungtau". */
function provinceKey(raw: string): string {
  const ascii = raw
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
  return ascii
    .replace(/^(tinh|thanhpho|tp)(?=[a-z]{3})/, '')
    .replace(/(province|povince|provincia|city|municipality)$/, '')
}

const byKey = new Map<string, VietnamProvince>()
for (const province of VIETNAM_PROVINCES) {
  for (const spelling of [province.name, ...(province.aliases ?? [])]) {
    const key = provinceKey(spelling)
    const existing = byKey.get(key)
    if (existing && existing !== province) {
      throw new Error(
        `province spellings collide: "${spelling}" and "${existing.name}" both normalise to "${key}"`,
      )
    }
    byKey.set(key, province)
  }
}
const byName = new Map(VIETNAM_PROVINCES.map((p) => [p.name, p]))

/**
 * The official Vietnamese name (NFC, with diacritics) of a province given in any common spelling,
 * or '' when it is not one of the 63 provinces.
 * @example normalizeVietnamProvince('Lam Dong Province') // 'Lâm Đồng'
 */
export function normalizeVietnamProvince(raw: string): string {
  if (!raw) return ''
  return byKey.get(provinceKey(raw))?.name.normalize('NFC') ?? ''
}

/**
 * The province or centrally-run city a legacy province belongs to since the 2025-07-01 merger (34 units),
 * or '' for a name that is not a legacy province.
 * @example toMergedProvince('Bình Thuận') // 'Lâm Đồng'
 */
export function toMergedProvince(legacyName: string): string {
  return byName.get(legacyName.normalize('NFC'))?.merged2025 ?? ''
}
