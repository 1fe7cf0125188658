import { describe, expect, it } from 'vitest'
import { VIETNAM_PROVINCES } from '../../ingest/edge/data/vietnam-provinces.ts'
import { normalizeVietnamProvince, toMergedProvince } from '../../ingest/edge/vietnam-province.ts'

/** Every VN subdivision name found in the shipped GeoLite2 data (IPv4 and IPv6 files, build 2026-06-17). */
const GEOLITE_SUBDIVISIONS = [
  'An Giang Province',
  'Ba Ria–Vung Tau Province',
  'Bac Giang Province',
  'Bac Kan Province',
  'Bac Lieu Province',
  'Bac Ninh Province',
  'Ben Tre Province',
  'Binh Duong Province',
  'Binh Thuan Province',
  'Can Tho',
  'Cao Bang Province',
  'Da Nang',
  'Dak Lak',
  'Dak Nong Province',
  'Dong Nai Province',
  'Dong Thap Province',
  'Gia Lai Province',
  'Ha Nam Province',
  'Ha Tinh Province',
  'Hai Duong Province',
  'Haiphong',
  'Hanoi',
  'Hau Giang',
  'Ho Chi Minh',
  'Hoa Binh Province',
  'Hung Yen Province',
  'Khanh Hoa Province',
  'Kien Giang Province',
  'Kon Tum',
  'Lai Chau Province',
  'Lam Dong Province',
  'Lang Son Province',
  'Lao Cai Province',
  'Long An Povince',
  'Nam Dinh Province',
  'Nghe An Province',
  'Ninh Binh Province',
  'Ninh Thuan Province',
  'Phu Tho Province',
  'Quang Nam Province',
  'Quang Ngai Province',
  'Quang Ninh',
  'Soc Trang Province',
  'Tay Ninh Province',
  'Thai Binh Province',
  'Thai Nguyen Province',
  'Thanh Hoa Province',
  'Thua Thien Hue Province',
  'Tien Giang',
  'Tra Vinh Province',
  'Tuyen Quang Province',
  'Vinh Long Province',
  'Vinh Phuc Province',
  'Yen Bai Province',
]

describe('normalizeVietnamProvince', () => {
  it.each([
    ['Lam Dong Province', 'Lâm Đồng'],
    ['Hanoi', 'Hà Nội'],
    ['Ho Chi Minh', 'Thành phố Hồ Chí Minh'],
    ['Ho Chi Minh City', 'Thành phố Hồ Chí Minh'],
    ['Haiphong', 'Hải Phòng'],
    ['Long An Povince', 'Long An'],
    ['Ba Ria–Vung Tau Province', 'Bà Rịa - Vũng Tàu'],
    ['Thua Thien Hue Province', 'Thừa Thiên Huế'],
    ['Dak Lak', 'Đắk Lắk'],
    ['Tỉnh Lâm Đồng', 'Lâm Đồng'],
    ['Thành phố Hà Nội', 'Hà Nội'],
    ['Khánh Hoà', 'Khánh Hòa'],
    ['Bac Kan Province', 'Bắc Kạn'],
  ])('%s → %s', (raw, name) => {
    expect(normalizeVietnamProvince(raw)).toBe(name)
  })

  it('maps every subdivision name the shipped GeoLite2 data uses for Vietnam', () => {
    const unmapped = GEOLITE_SUBDIVISIONS.filter((s) => normalizeVietnamProvince(s) === '')
    expect(unmapped).toEqual([])
  })

  it('returns NFC names, so they group with names typed elsewhere', () => {
    const decomposed = 'Lâm Đồng'.normalize('NFD')
    const name = normalizeVietnamProvince(decomposed)
    expect(name).toBe('Lâm Đồng'.normalize('NFC'))
    expect(name.normalize('NFC')).toBe(name)
  })

  it.each(['', 'Bangkok', 'Province', 'Da Lat'])('returns empty for a non-province: %j', (raw) => {
    expect(normalizeVietnamProvince(raw)).toBe('')
  })
})

describe('the province table', () => {
  it('has the 63 legacy provinces, rolling up to the 34 units of the 2025 merger', () => {
    expect(VIETNAM_PROVINCES).toHaveLength(63)
    expect(new Set(VIETNAM_PROVINCES.map((p) => p.name)).size).toBe(63)
    const merged = new Set(VIETNAM_PROVINCES.map((p) => p.merged2025))
    expect(merged.size).toBe(34)
  })

  it('rolls a legacy province into its 2025 unit', () => {
    expect(toMergedProvince('Bình Thuận')).toBe('Lâm Đồng')
    expect(toMergedProvince('Bà Rịa - Vũng Tàu')).toBe('Thành phố Hồ Chí Minh')
    expect(toMergedProvince('Thừa Thiên Huế')).toBe('Huế')
    expect(toMergedProvince('Hà Nội')).toBe('Hà Nội')
    expect(toMergedProvince('Bangkok')).toBe('')
  })
})
