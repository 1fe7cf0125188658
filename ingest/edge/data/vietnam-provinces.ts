// The 63 provinces and centrally-run cities of Vietnam before the 2025 reorganisation, with the unit each
// was folded into on 2025-07-01 (Resolution 202/2025/QH15: 63 → 34 units). GeoLite2 still reports the
// legacy subdivisions, and legacy names are the finer grain (legacy → merged is a function, not the reverse),
// so the edge stores legacy names and reports can roll them up with `toMergedProvince`.

export interface VietnamProvince {
  /** Official Vietnamese name with diacritics (NFC), as stored in `events.province`. */
  readonly name: string
  /** The province or city it belongs to since 2025-07-01 (itself when unchanged). */
  readonly merged2025: string
  /** Extra spellings seen in geo databases and in the wild, beyond the name without diacritics. */
  readonly aliases?: readonly string[]
}

const HCMC = 'Thành phố Hồ Chí Minh'

export const VIETNAM_PROVINCES: readonly VietnamProvince[] = [
  { name: 'An Giang', merged2025: 'An Giang' },
  { name: 'Bà Rịa - Vũng Tàu', merged2025: HCMC, aliases: ['Ba Ria', 'Vung Tau', 'BR-VT'] },
  { name: 'Bạc Liêu', merged2025: 'Cà Mau' },
  { name: 'Bắc Giang', merged2025: 'Bắc Ninh' },
  { name: 'Bắc Kạn', merged2025: 'Thái Nguyên', aliases: ['Bac Can'] },
  { name: 'Bắc Ninh', merged2025: 'Bắc Ninh' },
  { name: 'Bến Tre', merged2025: 'Vĩnh Long' },
  { name: 'Bình Dương', merged2025: HCMC },
  { name: 'Bình Định', merged2025: 'Gia Lai' },
  { name: 'Bình Phước', merged2025: 'Đồng Nai' },
  { name: 'Bình Thuận', merged2025: 'Lâm Đồng' },
  { name: 'Cà Mau', merged2025: 'Cà Mau' },
  { name: 'Cao Bằng', merged2025: 'Cao Bằng' },
  { name: 'Cần Thơ', merged2025: 'Cần Thơ' },
  { name: 'Đà Nẵng', merged2025: 'Đà Nẵng', aliases: ['Danang'] },
  { name: 'Đắk Lắk', merged2025: 'Đắk Lắk', aliases: ['Daklak', 'Dac Lac'] },
  { name: 'Đắk Nông', merged2025: 'Lâm Đồng', aliases: ['Daknong', 'Dac Nong'] },
  { name: 'Điện Biên', merged2025: 'Điện Biên' },
  { name: 'Đồng Nai', merged2025: 'Đồng Nai' },
  { name: 'Đồng Tháp', merged2025: 'Đồng Tháp' },
  { name: 'Gia Lai', merged2025: 'Gia Lai' },
  { name: 'Hà Giang', merged2025: 'Tuyên Quang' },
  { name: 'Hà Nam', merged2025: 'Ninh Bình' },
  { name: 'Hà Nội', merged2025: 'Hà Nội', aliases: ['Ha Noi City'] },
  { name: 'Hà Tĩnh', merged2025: 'Hà Tĩnh' },
  { name: 'Hải Dương', merged2025: 'Hải Phòng' },
  { name: 'Hải Phòng', merged2025: 'Hải Phòng' },
  { name: 'Hậu Giang', merged2025: 'Cần Thơ' },
  { name: 'Hòa Bình', merged2025: 'Phú Thọ', aliases: ['Hoà Bình'] },
  { name: 'Hưng Yên', merged2025: 'Hưng Yên' },
  { name: 'Khánh Hòa', merged2025: 'Khánh Hòa', aliases: ['Khánh Hoà'] },
  { name: 'Kiên Giang', merged2025: 'An Giang' },
  { name: 'Kon Tum', merged2025: 'Quảng Ngãi' },
  { name: 'Lai Châu', merged2025: 'Lai Châu' },
  { name: 'Lâm Đồng', merged2025: 'Lâm Đồng' },
  { name: 'Lạng Sơn', merged2025: 'Lạng Sơn' },
  { name: 'Lào Cai', merged2025: 'Lào Cai' },
  { name: 'Long An', merged2025: 'Tây Ninh' },
  { name: 'Nam Định', merged2025: 'Ninh Bình' },
  { name: 'Nghệ An', merged2025: 'Nghệ An' },
  { name: 'Ninh Bình', merged2025: 'Ninh Bình' },
  { name: 'Ninh Thuận', merged2025: 'Khánh Hòa' },
  { name: 'Phú Thọ', merged2025: 'Phú Thọ' },
  { name: 'Phú Yên', merged2025: 'Đắk Lắk' },
  { name: 'Quảng Bình', merged2025: 'Quảng Trị' },
  { name: 'Quảng Nam', merged2025: 'Đà Nẵng' },
  { name: 'Quảng Ngãi', merged2025: 'Quảng Ngãi' },
  { name: 'Quảng Ninh', merged2025: 'Quảng Ninh' },
  { name: 'Quảng Trị', merged2025: 'Quảng Trị' },
  { name: 'Sóc Trăng', merged2025: 'Cần Thơ' },
  { name: 'Sơn La', merged2025: 'Sơn La' },
  { name: 'Tây Ninh', merged2025: 'Tây Ninh' },
  { name: 'Thái Bình', merged2025: 'Hưng Yên' },
  { name: 'Thái Nguyên', merged2025: 'Thái Nguyên' },
  { name: 'Thanh Hóa', merged2025: 'Thanh Hóa', aliases: ['Thanh Hoá'] },
  { name: HCMC, merged2025: HCMC, aliases: ['Ho Chi Minh', 'HCMC', 'TP HCM', 'TPHCM', 'Saigon', 'Sai Gon'] },
  // A centrally-run city named Huế since 2025-01-01, before the July merger.
  { name: 'Thừa Thiên Huế', merged2025: 'Huế', aliases: ['Hue', 'Thua Thien-Hue'] },
  { name: 'Tiền Giang', merged2025: 'Đồng Tháp' },
  { name: 'Trà Vinh', merged2025: 'Vĩnh Long' },
  { name: 'Tuyên Quang', merged2025: 'Tuyên Quang' },
  { name: 'Vĩnh Long', merged2025: 'Vĩnh Long' },
  { name: 'Vĩnh Phúc', merged2025: 'Phú Thọ' },
  { name: 'Yên Bái', merged2025: 'Lào Cai' },
]
