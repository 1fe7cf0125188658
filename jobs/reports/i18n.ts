// Every string a reader of a report or of the web app sees, in Vietnamese (default) and English.
// Both languages implement one interface, so a missing string is a compile error; the test also checks
// that every Vietnamese string is NFC-normalised (precomposed diacritics render and search reliably).

export type Lang = 'vi' | 'en'
export type ReportKind = 'daily' | 'weekly'
export type MetricKey = 'pageviews' | 'readers' | 'engaged' | 'readComplete'

export interface Messages {
  appName: string
  reportTitle: Record<ReportKind, string>
  agency: string
  site: string
  allSites: string
  period: string
  comparedWith: string
  previousPeriod: Record<ReportKind, string>
  generatedAt: string
  noDataTitle: string
  noDataBody: string
  noDataNewSite: string

  headline: string
  metric: Record<MetricKey, string>
  readersWeekly: string
  metricHelp: Record<MetricKey, string>
  thisPeriod: string
  lastPeriod: string
  change: string
  forecast: string
  vsForecast: string
  changeSignificant: (dir: 'up' | 'down', change: string, prev: string) => string
  changeNotSignificant: (change: string) => string
  changeNew: string
  changeNoBase: string
  /** A difference of two percentages, in percentage points. */
  points: (value: string) => string
  /** The previous period has days without any data (e.g. tracking started during it): no comparison. */
  incompletePrevious: (have: number, of: number) => string

  insights: string
  noInsights: string
  insightMetric: (metric: string, change: string, prev: string) => string
  insightRate: (metric: string, from: string, to: string, prev: string) => string
  insightSection: (section: string, change: string, prev: string) => string
  insightDriver: (source: string) => string
  insightSource: (source: string, change: string, prev: string) => string
  insightRising: (title: string, views: string) => string
  insightRisingChange: (change: string, prev: string) => string
  insightRisingNew: string
  insightPaywall: (section: string, from: string, to: string, prev: string) => string
  evidenceCounts: (prev: string, cur: string, unit: string, p: string) => string
  evidenceRate: (prevX: string, prevN: string, curX: string, curN: string, p: string) => string
  unitViews: string
  unitReaders: string

  bySite: string
  topByViews: string
  topByEngaged: string
  rising: string
  noRising: string
  sections: string
  authors: string
  noAuthors: string
  sources: string
  sourceClasses: string
  topSources: string
  domestic: string
  domesticNote: string
  social: string
  devices: string
  readersNewReturning: string
  cookielessNote: string
  consentedReaders: string
  consentedReturning: string
  consentedNew: string
  consentedNone: string
  multiSessionReaders: string
  multiSessionNote: string
  paywall: string
  noPaywall: string
  publishing: string
  publishingNote: string
  noPublishing: string
  /** The recommendation block (tracker widget): impressions, clicks, click-through. */
  recs: string
  recsNote: string
  noRecs: string
  noRecsHint: string
  recsBySite: string
  recsBySource: string
  recsTopClicked: string
  /** Where a block's list came from, as GET /v1/recommendations reports it. */
  recSource: Record<string, string>

  col: {
    title: string
    section: string
    author: string
    site: string
    views: string
    previous: string
    engaged: string
    engagedPerView: string
    readComplete: string
    share: string
    change: string
    articles: string
    readers: string
    shown: string
    started: string
    completed: string
    conversion: string
    bestHour: string
    bestHourViews: string
    peakHour: string
    source: string
    device: string
    impressions: string
    clicks: string
    ctr: string
    shownIn: string
  }
  referrerClass: Record<string, string>
  sourceName: Record<string, string>
  device: Record<string, string>
  unknownSection: string
  untitled: string

  chartHourly: string
  chartDaily: string
  chartSources: string
  chartDevices: string
  chartSections: string
  chartFunnel: string
  seriesCurrent: string
  seriesPrevious: string
  axisHour: string
  axisDay: string
  axisViews: string

  footer: string

  emailSubject: (kind: ReportKind, agency: string, period: string) => string
  emailIntro: (kind: ReportKind, agency: string, period: string) => string
  emailLink: string
  emailNoData: string

  /** The forecast section and the "vs forecast" line (forecast jobs' tables). */
  fc: ForecastMessages

  web: {
    signIn: string
    username: string
    password: string
    signOut: string
    badCredentials: string
    tooManyAttempts: string
    formExpired: string
    reports: string
    noReports: string
    open: string
    kind: string
    language: string
    created: string
    insightsPage: string
    recommendations: string
    forecasts: string
    notAvailable: string
    notFound: string
    signedInAs: (user: string, agency: string, role: string) => string
    role: Record<'admin' | 'editor' | 'analyst', string>
    sqlNote: string
    sqlPage: string
    sqlIntro: string
    sqlRun: string
    sqlCsv: string
    sqlRows: (shown: string) => string
    sqlTruncated: (shown: string) => string
    sqlForbidden: string
  }
}

const vi: Messages = {
  appName: 'Nhịp',
  reportTitle: { daily: 'Báo cáo ngày', weekly: 'Báo cáo tuần' },
  agency: 'Cơ quan',
  site: 'Trang',
  allSites: 'Tất cả các trang',
  period: 'Kỳ báo cáo',
  comparedWith: 'So với',
  previousPeriod: { daily: 'hôm trước', weekly: 'tuần trước' },
  generatedAt: 'Tạo lúc',
  noDataTitle: 'Chưa có dữ liệu',
  noDataBody: 'Chưa có dữ liệu cho kỳ này: các trang của cơ quan chưa ghi nhận lượt đọc nào.',
  noDataNewSite:
    'Nếu trang mới được đăng ký, hãy kiểm tra mã theo dõi đã được gắn vào trang; số liệu sẽ xuất hiện từ ngày có lượt đọc đầu tiên.',

  headline: 'Số liệu chính',
  metric: {
    pageviews: 'Lượt đọc',
    readers: 'Bạn đọc',
    engaged: 'Thời gian đọc',
    readComplete: 'Tỷ lệ đọc hết bài',
  },
  readersWeekly: 'Bạn đọc trung bình mỗi ngày',
  metricHelp: {
    pageviews: 'Số lượt xem trang, không tính máy (bot).',
    readers: 'Số người đọc khác nhau (ước lượng, sai số khoảng 2%).',
    engaged: 'Tổng thời gian bạn đọc thực sự tương tác với trang.',
    readComplete: 'Tỷ lệ lượt xem bài viết được đọc đến cuối bài.',
  },
  thisPeriod: 'Kỳ này',
  lastPeriod: 'Kỳ trước',
  change: 'Thay đổi',
  forecast: 'Dự báo',
  vsForecast: 'So với dự báo',
  changeSignificant: (dir, change, prev) =>
    `${dir === 'up' ? 'Tăng' : 'Giảm'} ${change} so với ${prev}; mức thay đổi có ý nghĩa thống kê.`,
  changeNotSignificant: (change) => `${change}: nằm trong mức dao động thông thường, chưa đủ để kết luận.`,
  changeNew: 'Kỳ trước chưa có số liệu để so sánh.',
  changeNoBase: 'Không có số liệu.',
  points: (value) => `${value} điểm %`,
  incompletePrevious: (have, of) => `Kỳ trước chỉ có dữ liệu ${have}/${of} ngày nên không so sánh.`,

  insights: 'Điểm nổi bật',
  noInsights: 'Không có thay đổi nào đủ lớn để có ý nghĩa thống kê trong kỳ này.',
  insightMetric: (metric, change, prev) => `${metric} toàn cơ quan ${change} so với ${prev}`,
  insightRate: (metric, from, to, prev) => `${metric} thay đổi từ ${from} (${prev}) lên ${to}`,
  insightSection: (section, change, prev) => `${section} ${change} lượt đọc so với ${prev}`,
  insightDriver: (source) => `, chủ yếu từ ${source}`,
  insightSource: (source, change, prev) => `Lượt đọc từ ${source} ${change} so với ${prev}`,
  insightRising: (title, views) => `Bài đang lên: “${title}” với ${views} lượt đọc`,
  insightRisingChange: (change, prev) => ` (${change} so với ${prev})`,
  insightRisingNew: ' (bài mới trong kỳ)',
  insightPaywall: (section, from, to, prev) =>
    `Tỷ lệ đăng ký sau paywall của mục ${section}: ${from} (${prev}) → ${to}`,
  evidenceCounts: (prev, cur, unit, p) => `Kỳ trước ${prev} → kỳ này ${cur} ${unit}; ${p}`,
  evidenceRate: (prevX, prevN, curX, curN, p) => `Kỳ trước ${prevX}/${prevN} → kỳ này ${curX}/${curN}; ${p}`,
  unitViews: 'lượt đọc',
  unitReaders: 'bạn đọc',

  bySite: 'Theo trang',
  topByViews: 'Bài được đọc nhiều nhất',
  topByEngaged: 'Bài giữ chân bạn đọc lâu nhất',
  rising: 'Bài đang lên',
  noRising: 'Không có bài nào tăng đột biến một cách có ý nghĩa thống kê.',
  sections: 'Chuyên mục',
  authors: 'Tác giả',
  noAuthors: 'Chưa có thông tin tác giả (cần dữ liệu từ CMS hoặc RSS).',
  sources: 'Nguồn truy cập',
  sourceClasses: 'Theo loại nguồn',
  topSources: 'Nguồn cụ thể',
  domestic: 'Nền tảng trong nước',
  domesticNote: 'Zalo, Báo Mới và Cốc Cốc cộng lại.',
  social: 'Mạng xã hội',
  devices: 'Thiết bị',
  readersNewReturning: 'Bạn đọc mới và quay lại',
  cookielessNote:
    'Để bảo vệ quyền riêng tư, mã bạn đọc không dùng cookie được đổi mỗi ngày: không thể biết một người đọc hôm nay đã từng đọc trước đó hay chưa. Vì vậy “quay lại” chỉ được tính cho bạn đọc đã đồng ý (mã lâu dài), và với mọi bạn đọc, chỉ trong phạm vi một ngày (số phiên đọc).',
  consentedReaders: 'Bạn đọc đã đồng ý (mã lâu dài)',
  consentedReturning: 'Quay lại (đã đọc trong 28 ngày trước)',
  consentedNew: 'Mới',
  consentedNone: 'Không có bạn đọc nào đã đồng ý trong kỳ này.',
  multiSessionReaders: 'Bạn đọc quay lại trong cùng ngày (từ 2 phiên trở lên)',
  multiSessionNote: 'Tính trên số bạn đọc theo từng ngày.',
  paywall: 'Phễu paywall',
  noPaywall: 'Không có hoạt động paywall trong kỳ.',
  publishing: 'Giờ đăng bài tốt nhất',
  publishingNote:
    'Theo thời gian đọc trung bình của mỗi bài trong 3 ngày đầu, với các bài đăng trong 28 ngày qua (giờ Việt Nam). Giờ đọc cao điểm: giờ bạn đọc tương tác nhiều nhất.',
  noPublishing: 'Chưa đủ bài đăng để đề xuất giờ đăng (cần ít nhất 2 bài cùng một giờ).',
  recs: 'Khối bài gợi ý: tỷ lệ nhấp',
  recsNote:
    'Một lượt hiển thị được tính khi ít nhất một nửa khối bài gợi ý xuất hiện trên màn hình; tỷ lệ nhấp = lượt nhấp vào bài gợi ý / lượt hiển thị. Không tính máy (bot).',
  noRecs: 'Không có lượt hiển thị khối bài gợi ý nào trong kỳ này.',
  noRecsHint:
    'Khối bài gợi ý xuất hiện trên các trang bài viết có thẻ data-nhip-recs (xem hướng dẫn gắn mã theo dõi).',
  recsBySite: 'Theo trang',
  recsBySource: 'Theo nguồn gợi ý',
  recsTopClicked: 'Bài gợi ý được nhấp nhiều nhất',
  recSource: {
    model: 'Mô hình gợi ý',
    precomputed: 'Gợi ý tính sẵn hằng đêm',
    fallback: 'Dự phòng (bài đọc nhiều, bài mới)',
    '': 'Không rõ',
  },

  col: {
    title: 'Tiêu đề',
    section: 'Chuyên mục',
    author: 'Tác giả',
    site: 'Trang',
    views: 'Lượt đọc',
    previous: 'Kỳ trước',
    engaged: 'Thời gian đọc',
    engagedPerView: 'Thời gian / lượt',
    readComplete: 'Đọc hết bài',
    share: 'Tỷ trọng',
    change: 'Thay đổi',
    articles: 'Số bài',
    readers: 'Bạn đọc',
    shown: 'Hiện paywall',
    started: 'Bắt đầu đăng ký',
    completed: 'Hoàn tất đăng ký',
    conversion: 'Tỷ lệ chuyển đổi',
    bestHour: 'Giờ đăng tốt nhất',
    bestHourViews: 'Phút đọc / bài',
    peakHour: 'Giờ đọc cao điểm',
    source: 'Nguồn',
    device: 'Thiết bị',
    impressions: 'Lượt hiển thị',
    clicks: 'Lượt nhấp',
    ctr: 'Tỷ lệ nhấp',
    shownIn: 'Số lần được gợi ý',
  },
  referrerClass: {
    search: 'Tìm kiếm',
    social: 'Mạng xã hội',
    messaging: 'Ứng dụng nhắn tin',
    aggregator: 'Trang tổng hợp tin',
    direct: 'Truy cập trực tiếp',
    internal: 'Liên kết nội bộ',
    campaign: 'Chiến dịch',
    other: 'Khác',
  },
  sourceName: {
    zalo: 'Zalo',
    baomoi: 'Báo Mới',
    coccoc: 'Cốc Cốc',
    google: 'Google',
    googlenews: 'Google Tin tức',
    facebook: 'Facebook',
    messenger: 'Messenger',
    youtube: 'YouTube',
    tiktok: 'TikTok',
  },
  device: {
    mobile: 'Điện thoại',
    tablet: 'Máy tính bảng',
    desktop: 'Máy tính',
    tv: 'TV',
    other: 'Khác',
    '': 'Không rõ',
  },
  unknownSection: '(chưa phân mục)',
  untitled: '(chưa có tiêu đề)',

  chartHourly: 'Lượt đọc theo giờ',
  chartDaily: 'Lượt đọc theo ngày',
  chartSources: 'Tỷ trọng lượt đọc theo nguồn',
  chartDevices: 'Lượt đọc theo thiết bị',
  chartSections: 'Lượt đọc theo chuyên mục',
  chartFunnel: 'Phễu paywall',
  seriesCurrent: 'Kỳ này',
  seriesPrevious: 'Kỳ trước',
  axisHour: 'Giờ',
  axisDay: 'Ngày',
  axisViews: 'Lượt đọc',

  footer:
    'Báo cáo do Nhịp tạo tự động. Không tính lượt truy cập của máy (bot). Số bạn đọc là ước lượng. Ngày và giờ theo giờ Việt Nam. Điểm nổi bật chỉ nêu những thay đổi có ý nghĩa thống kê (p < 0,001) với lượng dữ liệu đủ lớn.',

  emailSubject: (kind, agency, period) =>
    `[Nhịp] ${kind === 'daily' ? 'Báo cáo ngày' : 'Báo cáo tuần'} ${agency} – ${period}`,
  emailIntro: (kind, agency, period) =>
    `${kind === 'daily' ? 'Báo cáo ngày' : 'Báo cáo tuần'} của ${agency} (${period}) đã sẵn sàng. Tóm tắt:`,
  emailLink: 'Xem báo cáo đầy đủ',
  emailNoData: 'Chưa có dữ liệu cho kỳ này.',

  fc: {
    section: 'Dự báo và bất thường',
    vsForecast: (position, change, forecast, lo, hi) =>
      `So với dự báo: lượt đọc thực tế ${position === 'inside' ? 'nằm trong khoảng dự báo' : position === 'above' ? 'cao hơn dự báo' : 'thấp hơn dự báo'} (${change}; dự báo ${forecast}, khoảng ${lo}–${hi}).`,
    outlook: 'Dự báo lượt đọc những ngày tới',
    outlookLead: (day, p50, lo, hi) => `${day}: dự kiến khoảng ${p50} lượt đọc (từ ${lo} đến ${hi}).`,
    outlookTotal: (days, total) => `Cả ${days} ngày tới: khoảng ${total} lượt đọc.`,
    leadingSections: 'Chuyên mục dự kiến dẫn đầu ngày đầu tiên',
    colDay: 'Ngày',
    colExpected: 'Dự kiến',
    colRange: 'Khoảng p10–p90',
    rangeNote: 'Khoảng p10–p90: khoảng 8 trên 10 ngày, số thực tế sẽ nằm trong khoảng này.',
    anomalies: 'Bất thường so với dự báo',
    noAnomalies: 'Không có giờ hay bài nào nằm ngoài khoảng dự báo một cách đáng kể trong kỳ này.',
    colWhen: 'Thời điểm',
    colWhat: 'Đối tượng',
    colActual: 'Thực tế',
    colForecast: 'Dự báo (p10–p90)',
    colDeviation: 'Lệch',
    colDriver: 'Nguyên nhân có thể',
    wholeSite: (site) => `Toàn trang ${site}`,
    sectionOf: (section, site) => `Chuyên mục ${section} (${site})`,
    articleFirstDay: (title) => `Bài “${title}” (24 giờ đầu)`,
    above: (pct) => `cao hơn ${pct}`,
    below: (pct) => `thấp hơn ${pct}`,
    driverReferrer: (cls) => `nguồn ${cls}`,
    driverArticle: (title) => `bài “${title}”`,
    noDriver: '–',
    potential: 'Bài có tiềm năng lớn (dự báo từ 60 phút đầu)',
    potentialNote:
      'Dự báo lượt đọc sau 24 giờ và 72 giờ từ 60 phút đầu của bài (lượt đọc, thời gian đọc, nguồn truy cập, chuyên mục, giờ đăng).',
    colSoFar: 'Đã đọc',
    col72h: 'Dự kiến 72 giờ',
    colVsFirstHour: 'So với mức thường',
    noForecast: 'Chưa có dự báo cho kỳ này: công việc dự báo (forecast) chưa chạy thành công.',
    modelVersion: (v) =>
      v ? `Phiên bản mô hình: ${v}.` : 'Dự báo từ phương pháp cơ sở (mô hình chưa được huấn luyện).',
  },

  web: {
    signIn: 'Đăng nhập',
    username: 'Tên đăng nhập',
    password: 'Mật khẩu',
    signOut: 'Đăng xuất',
    badCredentials: 'Sai tên đăng nhập hoặc mật khẩu.',
    tooManyAttempts: 'Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau ít phút.',
    formExpired: 'Biểu mẫu đã hết hạn. Vui lòng thử lại.',
    reports: 'Báo cáo',
    noReports: 'Chưa có báo cáo nào.',
    open: 'Xem',
    kind: 'Loại',
    language: 'Ngôn ngữ',
    created: 'Tạo lúc',
    insightsPage: 'Gợi ý và dự báo',
    recommendations: 'Bài gợi ý hàng đầu',
    forecasts: 'Dự báo',
    notAvailable: 'Chưa có.',
    notFound: 'Không tìm thấy trang.',
    signedInAs: (user, agency, role) => `${user} · ${agency} · ${role}`,
    role: { admin: 'quản trị', editor: 'biên tập', analyst: 'phân tích' },
    sqlNote:
      'Nhà phân tích: truy vấn SQL trên dữ liệu của cơ quan ở trang “Truy vấn SQL”, hoặc trên máy chủ ClickHouse với vai trò riêng của cơ quan (xem docs/analysts.md).',
    sqlPage: 'Truy vấn SQL',
    sqlIntro:
      'Một câu lệnh SELECT trên các bảng và view dành cho nhà phân tích (xem docs/analysts.md). Chỉ dữ liệu của cơ quan bạn được đọc; tối đa 10 000 dòng, 30 giây.',
    sqlRun: 'Chạy',
    sqlCsv: 'Tải CSV',
    sqlRows: (shown) => `${shown} dòng.`,
    sqlTruncated: (shown) => `Chỉ hiển thị ${shown} dòng đầu tiên.`,
    sqlForbidden: 'Trang này dành cho nhà phân tích và quản trị viên.',
  },
}

const en: Messages = {
  appName: 'Nhịp',
  reportTitle: { daily: 'Daily report', weekly: 'Weekly report' },
  agency: 'Agency',
  site: 'Site',
  allSites: 'All sites',
  period: 'Period',
  comparedWith: 'Compared with',
  previousPeriod: { daily: 'the previous day', weekly: 'the previous week' },
  generatedAt: 'Generated',
  noDataTitle: 'No data yet',
  noDataBody: 'No data for this period yet: the agency’s sites recorded no pageviews.',
  noDataNewSite:
    'If a site was registered recently, check that the tracking script is on its pages; numbers appear from the first day with readers.',

  headline: 'Headline numbers',
  metric: {
    pageviews: 'Pageviews',
    readers: 'Readers',
    engaged: 'Engaged time',
    readComplete: 'Read-complete rate',
  },
  readersWeekly: 'Average daily readers',
  metricHelp: {
    pageviews: 'Page views, bots excluded.',
    readers: 'Distinct readers (estimated, about 2 % error).',
    engaged: 'Total time readers were actively engaged with a page.',
    readComplete: 'Share of article views read to the end.',
  },
  thisPeriod: 'This period',
  lastPeriod: 'Previous period',
  change: 'Change',
  forecast: 'Forecast',
  vsForecast: 'vs forecast',
  changeSignificant: (dir, change, prev) =>
    `${dir === 'up' ? 'Up' : 'Down'} ${change} on ${prev}; the change is statistically significant.`,
  changeNotSignificant: (change) => `${change}: within normal variation, not enough to draw a conclusion.`,
  changeNew: 'No data in the previous period to compare with.',
  changeNoBase: 'No data.',
  points: (value) => `${value} pp`,
  incompletePrevious: (have, of) =>
    `The previous period has data on only ${have} of ${of} days: no comparison is made.`,

  insights: 'Highlights',
  noInsights: 'No change was large enough to be statistically significant in this period.',
  insightMetric: (metric, change, prev) => `${metric} across the agency ${change} on ${prev}`,
  insightRate: (metric, from, to, prev) => `${metric} moved from ${from} (${prev}) to ${to}`,
  insightSection: (section, change, prev) => `${section} ${change} pageviews on ${prev}`,
  insightDriver: (source) => `, mostly from ${source}`,
  insightSource: (source, change, prev) => `Pageviews from ${source} ${change} on ${prev}`,
  insightRising: (title, views) => `Rising: “${title}” with ${views} pageviews`,
  insightRisingChange: (change, prev) => ` (${change} on ${prev})`,
  insightRisingNew: ' (new this period)',
  insightPaywall: (section, from, to, prev) => `Paywall conversion in ${section}: ${from} (${prev}) → ${to}`,
  evidenceCounts: (prev, cur, unit, p) => `Previous ${prev} → now ${cur} ${unit}; ${p}`,
  evidenceRate: (prevX, prevN, curX, curN, p) => `Previous ${prevX}/${prevN} → now ${curX}/${curN}; ${p}`,
  unitViews: 'pageviews',
  unitReaders: 'readers',

  bySite: 'By site',
  topByViews: 'Most read articles',
  topByEngaged: 'Articles that held readers longest',
  rising: 'Rising stories',
  noRising: 'No story rose in a statistically significant way.',
  sections: 'Sections',
  authors: 'Authors',
  noAuthors: 'No author information yet (it comes from the CMS or RSS feed).',
  sources: 'Traffic sources',
  sourceClasses: 'By kind of source',
  topSources: 'Sources',
  domestic: 'Domestic platforms',
  domesticNote: 'Zalo, Báo Mới and Cốc Cốc together.',
  social: 'Social networks',
  devices: 'Devices',
  readersNewReturning: 'New and returning readers',
  cookielessNote:
    'To protect privacy, cookieless reader ids change every day: nobody can tell whether today’s reader read before. So “returning” is measured only for readers who consented (a lasting id) and, for every reader, only within one day (sessions).',
  consentedReaders: 'Consented readers (lasting id)',
  consentedReturning: 'Returning (read in the previous 28 days)',
  consentedNew: 'New',
  consentedNone: 'No consented readers in this period.',
  multiSessionReaders: 'Readers who came back the same day (2 or more sessions)',
  multiSessionNote: 'Counted over reader-days.',
  paywall: 'Paywall funnel',
  noPaywall: 'No paywall activity in this period.',
  publishing: 'Best publishing hours',
  publishingNote:
    'By the average engaged time per article in its first 3 days, for articles published in the last 28 days (Vietnam time). Reading peak: the hour readers are most engaged.',
  noPublishing: 'Not enough articles to suggest a publishing hour (at least 2 in the same hour are needed).',
  recs: 'Recommendation block click-through',
  recsNote:
    'An impression counts when at least half of the recommendation block was on screen; click-through = clicks on recommended articles / impressions. Bots excluded.',
  noRecs: 'The recommendation block had no impressions in this period.',
  noRecsHint:
    'The block appears on article pages that carry a data-nhip-recs element (see the tracking-script guide).',
  recsBySite: 'By site',
  recsBySource: 'By source of the recommendations',
  recsTopClicked: 'Most-clicked recommended articles',
  recSource: {
    model: 'Recommendation model',
    precomputed: 'Precomputed nightly',
    fallback: 'Fallback (most read, fresh)',
    '': 'Unknown',
  },

  col: {
    title: 'Title',
    section: 'Section',
    author: 'Author',
    site: 'Site',
    views: 'Pageviews',
    previous: 'Previous',
    engaged: 'Engaged time',
    engagedPerView: 'Time / view',
    readComplete: 'Read to end',
    share: 'Share',
    change: 'Change',
    articles: 'Articles',
    readers: 'Readers',
    shown: 'Paywall shown',
    started: 'Subscribe started',
    completed: 'Subscribe completed',
    conversion: 'Conversion',
    bestHour: 'Best hour to publish',
    bestHourViews: 'Engaged min / article',
    peakHour: 'Reading peak',
    source: 'Source',
    device: 'Device',
    impressions: 'Impressions',
    clicks: 'Clicks',
    ctr: 'Click-through',
    shownIn: 'Times recommended',
  },
  referrerClass: {
    search: 'Search',
    social: 'Social networks',
    messaging: 'Messaging apps',
    aggregator: 'News aggregators',
    direct: 'Direct',
    internal: 'Internal links',
    campaign: 'Campaigns',
    other: 'Other',
  },
  sourceName: {
    zalo: 'Zalo',
    baomoi: 'Báo Mới',
    coccoc: 'Cốc Cốc',
    google: 'Google',
    googlenews: 'Google News',
    facebook: 'Facebook',
    messenger: 'Messenger',
    youtube: 'YouTube',
    tiktok: 'TikTok',
  },
  device: { mobile: 'Mobile', tablet: 'Tablet', desktop: 'Desktop', tv: 'TV', other: 'Other', '': 'Unknown' },
  unknownSection: '(no section)',
  untitled: '(untitled)',

  chartHourly: 'Pageviews by hour',
  chartDaily: 'Pageviews by day',
  chartSources: 'Share of pageviews by source',
  chartDevices: 'Pageviews by device',
  chartSections: 'Pageviews by section',
  chartFunnel: 'Paywall funnel',
  seriesCurrent: 'This period',
  seriesPrevious: 'Previous period',
  axisHour: 'Hour',
  axisDay: 'Day',
  axisViews: 'Pageviews',

  footer:
    'Generated by Nhịp. Bots excluded. Reader counts are estimates. Days and hours are Vietnam time. Highlights only mention changes that are statistically significant (p < 0.001) on enough data.',

  emailSubject: (kind, agency, period) =>
    `[Nhịp] ${kind === 'daily' ? 'Daily' : 'Weekly'} report ${agency} – ${period}`,
  emailIntro: (kind, agency, period) => `The ${kind} report of ${agency} (${period}) is ready. Summary:`,
  emailLink: 'Open the full report',
  emailNoData: 'No data for this period yet.',

  fc: {
    section: 'Forecast and anomalies',
    vsForecast: (position, change, forecast, lo, hi) =>
      `vs forecast: actual pageviews were ${position === 'inside' ? 'within the forecast range' : position === 'above' ? 'above the forecast' : 'below the forecast'} (${change}; forecast ${forecast}, range ${lo}–${hi}).`,
    outlook: 'Pageviews forecast for the coming days',
    outlookLead: (day, p50, lo, hi) => `${day}: about ${p50} pageviews expected (${lo} to ${hi}).`,
    outlookTotal: (days, total) => `Next ${days} days in all: about ${total} pageviews.`,
    leadingSections: 'Sections expected to lead on the first day',
    colDay: 'Day',
    colExpected: 'Expected',
    colRange: 'p10–p90 range',
    rangeNote: 'p10–p90 range: on about 8 days in 10 the actual number falls inside it.',
    anomalies: 'Anomalies vs forecast',
    noAnomalies: 'No hour or story fell significantly outside its forecast range in this period.',
    colWhen: 'When',
    colWhat: 'What',
    colActual: 'Actual',
    colForecast: 'Forecast (p10–p90)',
    colDeviation: 'Off by',
    colDriver: 'Likely driver',
    wholeSite: (site) => `Whole site ${site}`,
    sectionOf: (section, site) => `Section ${section} (${site})`,
    articleFirstDay: (title) => `“${title}” (first 24 h)`,
    above: (pct) => `${pct} above`,
    below: (pct) => `${pct} below`,
    driverReferrer: (cls) => `${cls}`,
    driverArticle: (title) => `story “${title}”`,
    noDriver: '–',
    potential: 'High-potential stories (forecast from their first 60 minutes)',
    potentialNote:
      'Pageviews expected after 24 and 72 hours, from each story’s first 60 minutes (views, engaged time, referrer mix, section, publish hour).',
    colSoFar: 'Views so far',
    col72h: 'Expected at 72 h',
    colVsFirstHour: 'vs typical',
    noForecast: 'No forecast for this period yet: the forecast job has not run successfully.',
    modelVersion: (v) =>
      v ? `Model version: ${v}.` : 'Forecast from baseline methods (no trained model yet).',
  },

  web: {
    signIn: 'Sign in',
    username: 'Username',
    password: 'Password',
    signOut: 'Sign out',
    badCredentials: 'Wrong username or password.',
    tooManyAttempts: 'Too many failed sign-ins. Try again in a few minutes.',
    formExpired: 'The form expired. Please try again.',
    reports: 'Reports',
    noReports: 'No reports yet.',
    open: 'Open',
    kind: 'Kind',
    language: 'Language',
    created: 'Created',
    insightsPage: 'Recommendations and forecasts',
    recommendations: 'Top recommendations',
    forecasts: 'Forecasts',
    notAvailable: 'Not available yet.',
    notFound: 'Page not found.',
    signedInAs: (user, agency, role) => `${user} · ${agency} · ${role}`,
    role: { admin: 'admin', editor: 'editor', analyst: 'analyst' },
    sqlNote:
      'Analysts: query the agency’s data in SQL on the “SQL query” page, or on a ClickHouse server with the agency’s own role (see docs/analysts.md).',
    sqlPage: 'SQL query',
    sqlIntro:
      'One SELECT statement over the analyst tables and views (see docs/analysts.md). Only your agency’s rows are read; at most 10,000 rows and 30 seconds.',
    sqlRun: 'Run',
    sqlCsv: 'Download CSV',
    sqlRows: (shown) => `${shown} rows.`,
    sqlTruncated: (shown) => `Only the first ${shown} rows are shown.`,
    sqlForbidden: 'This page is for analysts and administrators.',
  },
}

export const MESSAGES: Record<Lang, Messages> = { vi, en }

/** The strings of a language. */
export function messages(lang: Lang): Messages {
  return MESSAGES[lang]
}

/** Display name of a referrer source, falling back to its class, then to the raw name. */
export function sourceLabel(m: Messages, source: string, cls?: string): string {
  if (source) return m.sourceName[source] ?? source.charAt(0).toUpperCase() + source.slice(1)
  return m.referrerClass[cls ?? 'other'] ?? m.referrerClass.other ?? ''
}

/** Strings of the forecast section (see jobs/reports/forecast-section.ts). */
export interface ForecastMessages {
  section: string
  vsForecast: (
    position: 'inside' | 'above' | 'below',
    change: string,
    forecast: string,
    lo: string,
    hi: string,
  ) => string
  outlook: string
  outlookLead: (day: string, p50: string, lo: string, hi: string) => string
  outlookTotal: (days: number, total: string) => string
  leadingSections: string
  colDay: string
  colExpected: string
  colRange: string
  rangeNote: string
  anomalies: string
  noAnomalies: string
  colWhen: string
  colWhat: string
  colActual: string
  colForecast: string
  colDeviation: string
  colDriver: string
  wholeSite: (site: string) => string
  sectionOf: (section: string, site: string) => string
  articleFirstDay: (title: string) => string
  above: (pct: string) => string
  below: (pct: string) => string
  driverReferrer: (cls: string) => string
  driverArticle: (title: string) => string
  noDriver: string
  potential: string
  potentialNote: string
  colSoFar: string
  col72h: string
  colVsFirstHour: string
  noForecast: string
  modelVersion: (version: string) => string
}
