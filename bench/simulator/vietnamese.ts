// Vietnamese (and, for the English edition, English) headlines, tags and bylines written from word lists
// for the eight sections of a highland province's press. Every string is NFC with proper diacritics.
import type { Rng } from './random.ts'

export const TOPICS = [
  'thoi-su',
  'kinh-te',
  'nong-nghiep',
  'du-lich',
  'van-hoa',
  'the-thao',
  'phap-luat',
  'giao-duc',
] as const
/** A section of the province's press; readers' latent interests are distributions over these. */
export type Topic = (typeof TOPICS)[number]

export const SECTION_NAMES: Record<'vi' | 'en', Record<Topic, string>> = {
  vi: nfcRecord({
    'thoi-su': 'Thời sự',
    'kinh-te': 'Kinh tế',
    'nong-nghiep': 'Nông nghiệp',
    'du-lich': 'Du lịch',
    'van-hoa': 'Văn hóa',
    'the-thao': 'Thể thao',
    'phap-luat': 'Pháp luật',
    'giao-duc': 'Giáo dục',
  }),
  en: {
    'thoi-su': 'News',
    'kinh-te': 'Business',
    'nong-nghiep': 'Agriculture',
    'du-lich': 'Travel',
    'van-hoa': 'Culture',
    'the-thao': 'Sports',
    'phap-luat': 'Law',
    'giao-duc': 'Education',
  },
}

/** Word lists; a `{name}` in a template is filled from the list of that name. */
type Lists = Record<string, readonly string[]>

interface TopicText {
  templates: readonly string[]
  tags: readonly string[]
}

/** Slots whose filling is also a good tag (a place, a crop, a festival…). */
const TAG_SLOTS = new Set([
  'place',
  'crop',
  'commodity',
  'attraction',
  'festival',
  'flower',
  'school',
  'sport',
])

const VI_LISTS: Lists = nfcLists({
  place: [
    'Đà Lạt',
    'Bảo Lộc',
    'Đức Trọng',
    'Lâm Hà',
    'Di Linh',
    'Đơn Dương',
    'Lạc Dương',
    'Đam Rông',
    'Cát Tiên',
    'Đạ Huoai',
    'Bảo Lâm',
    'Đạ Tẻh',
    'Gia Nghĩa',
    'Đắk Mil',
    'Đắk Song',
    'Tuy Đức',
    'Phan Thiết',
    'La Gi',
    'Tuy Phong',
    'Bắc Bình',
    'Hàm Thuận Nam',
    'Phú Quý',
  ],
  number: [
    '12',
    '25',
    '40',
    '68',
    '120',
    '150',
    '230',
    '350',
    '500',
    '1.200',
    '2.500',
    '4.800',
    '12.000',
    '35.000',
  ],
  price_move: [
    'tăng mạnh',
    'giảm nhẹ',
    'lập đỉnh mới',
    'đi ngang',
    'quay đầu giảm',
    'tiếp đà tăng',
    'giảm sâu',
  ],
  // Thời sự
  gov_actor: [
    'UBND tỉnh',
    'Chủ tịch UBND tỉnh',
    'Ban Thường vụ Tỉnh ủy',
    'HĐND tỉnh',
    'Sở Xây dựng',
    'Sở Nông nghiệp và Môi trường',
    'Đoàn đại biểu Quốc hội tỉnh',
    'Lãnh đạo tỉnh',
  ],
  gov_verb: [
    'triển khai',
    'đẩy nhanh',
    'tháo gỡ vướng mắc',
    'rà soát',
    'chỉ đạo quyết liệt',
    'kiểm tra tiến độ',
    'thông qua',
    'ban hành kế hoạch',
  ],
  gov_object: [
    'dự án cao tốc Tân Phú – Bảo Lộc',
    'dự án cao tốc Bảo Lộc – Liên Khương',
    'chương trình xây dựng nông thôn mới',
    'chuyển đổi số',
    'công tác giải phóng mặt bằng',
    'giải ngân vốn đầu tư công',
    'xóa nhà tạm, nhà dột nát',
    'quy hoạch đô thị Đà Lạt',
    'mô hình chính quyền địa phương hai cấp',
    'đề án phát triển kinh tế đêm',
    'công tác phòng chống thiên tai',
    'chỉnh trang đô thị',
  ],
  inspect_object: [
    'công trình trọng điểm',
    'tình hình sạt lở',
    'công tác phòng cháy rừng',
    'tiến độ xây trường học',
    'an toàn hồ đập',
  ],
  disaster: ['sạt lở đất', 'ngập úng cục bộ', 'lũ quét', 'cây đổ hàng loạt', 'thiệt hại hoa màu'],
  infra: ['cầu dân sinh', 'trường mầm non', 'trạm y tế xã', 'tuyến đường liên xã', 'nhà văn hóa thôn'],
  weather_news: [
    'đón không khí lạnh, nhiệt độ xuống dưới 12 độ C',
    'mưa lớn kéo dài, nhiều tuyến đường ngập',
    'nắng nóng, nguy cơ cháy rừng ở cấp cực kỳ nguy hiểm',
    'sương mù dày đặc, xe qua đèo phải bật đèn',
  ],
  // Kinh tế
  commodity: [
    'cà phê',
    'sầu riêng',
    'hồ tiêu',
    'chè',
    'rau Đà Lạt',
    'hoa Đà Lạt',
    'tơ tằm',
    'bơ',
    'mắc ca',
    'điều',
    'thanh long',
  ],
  sector: [
    'nông nghiệp công nghệ cao',
    'du lịch nghỉ dưỡng',
    'năng lượng tái tạo',
    'chế biến nông sản',
    'khu công nghiệp',
    'logistics',
  ],
  business_verb: [
    'tăng tốc sản xuất cuối năm',
    'đẩy mạnh xuất khẩu sang châu Âu',
    'ứng dụng chuyển đổi số',
    'gặp khó vì thiếu lao động',
    'mở rộng thị trường nội địa',
  ],
  export_trend: [
    'tăng mạnh trong 10 tháng',
    'đạt kỷ lục mới',
    'gặp khó do thị trường biến động',
    'hướng tới mốc 1 tỷ USD',
  ],
  bank_verb: ['giảm lãi suất cho vay', 'tung gói tín dụng ưu đãi', 'khoanh nợ, giãn nợ'],
  borrower: [
    'nông dân trồng cà phê',
    'doanh nghiệp nhỏ và vừa',
    'hộ kinh doanh du lịch',
    'hợp tác xã nông nghiệp',
  ],
  // Nông nghiệp
  crop: [
    'cà phê',
    'sầu riêng',
    'chè',
    'hồ tiêu',
    'dâu tây',
    'atisô',
    'bơ 034',
    'mắc ca',
    'hoa cúc',
    'hoa hồng',
    'rau thủy canh',
    'khoai lang',
    'lúa',
    'cà phê Arabica Cầu Đất',
    'thanh long',
    'hồng treo gió',
  ],
  farm_verb: [
    'thu hoạch',
    'chuyển đổi sang trồng',
    'liên kết tiêu thụ',
    'áp dụng tưới nhỏ giọt cho',
    'xuống giống',
    'được cấp mã vùng trồng',
  ],
  ag_tech: [
    'công nghệ cao',
    'nhà kính',
    'tưới tiết kiệm',
    'phân bón hữu cơ',
    'cảm biến IoT',
    'máy bay không người lái',
  ],
  model_kind: [
    'trồng xen canh',
    'nuôi cá tầm',
    'trồng rau hữu cơ',
    'nuôi tằm',
    'trồng nấm',
    'chăn nuôi bò sữa',
  ],
  pest: ['sâu đục quả', 'bệnh vàng lá', 'rệp sáp', 'bệnh thán thư', 'bệnh chết nhanh'],
  farmer_mood: ['phấn khởi', 'lo lắng', 'thấp thỏm', 'tất bật chăm sóc'],
  replant_result: ['năng suất tăng gấp đôi', 'hướng đi bền vững', 'bài toán vốn cho nông dân'],
  // Du lịch
  attraction: [
    'hồ Tuyền Lâm',
    'đỉnh Langbiang',
    'thác Datanla',
    'hồ Xuân Hương',
    'thác Pongour',
    'đồi chè Cầu Đất',
    'làng Cù Lần',
    'Vườn quốc gia Cát Tiên',
    'hồ Tà Đùng',
    'đồi cát Mũi Né',
    'đảo Phú Quý',
    'thác Dambri',
    'dốc Mimosa',
    'ga Đà Lạt',
  ],
  tour_adj: [
    'điểm đến hút khách mùa lạnh',
    'vẻ đẹp hoang sơ giữa đại ngàn',
    'trải nghiệm không thể bỏ qua',
    'thiên đường săn mây',
  ],
  flower: ['dã quỳ', 'mai anh đào', 'phượng tím', 'cỏ hồng', 'hoa cà phê', 'hoa mimosa'],
  experience: [
    'săn mây',
    'cắm trại bên hồ',
    'đạp xe quanh hồ',
    'hái dâu tại vườn',
    'thưởng thức cà phê ngắm đồi',
    'đi bộ xuyên rừng',
    'lướt ván diều',
    'ngắm bình minh',
  ],
  holiday: [
    'Tết Dương lịch',
    'lễ Quốc khánh 2/9',
    'lễ 30/4 – 1/5',
    'Festival Hoa Đà Lạt',
    'cuối tuần',
    'Giáng sinh',
  ],
  tour_news: [
    'được vinh danh điểm đến hấp dẫn',
    'tạm đóng cửa để nâng cấp',
    'đông nghẹt du khách cuối tuần',
    'ra mắt tour đêm',
  ],
  city_news: [
    'lọt top điểm đến được yêu thích nhất châu Á',
    'phát triển sản phẩm du lịch đêm',
    'siết chặt quản lý homestay',
    'kẹt xe dịp cao điểm',
    'kỷ niệm 130 năm hình thành và phát triển',
  ],
  // Văn hóa
  festival: [
    'Festival Hoa Đà Lạt',
    'Lễ hội cồng chiêng',
    'Lễ mừng lúa mới',
    'Lễ hội Nghinh Ông',
    'Tuần lễ Văn hóa – Du lịch',
    'Lễ hội Trà, tơ lụa Bảo Lộc',
  ],
  festival_verb: [
    'sẵn sàng khai mạc',
    'thu hút hàng vạn du khách',
    'khép lại với nhiều dấu ấn',
    'công bố chương trình',
    'rực rỡ sắc màu',
  ],
  heritage: [
    'không gian văn hóa cồng chiêng',
    'nghề dệt thổ cẩm',
    'nhà dài truyền thống',
    'sử thi',
    'nghề làm gốm',
    'dân ca',
    'lễ hội rượu cần',
  ],
  ethnic: ['K’Ho', 'Mạ', 'Chu Ru', 'M’Nông', 'Chăm', 'Raglai'],
  artisan_verb: [
    'truyền dạy đánh chiêng cho lớp trẻ',
    'giữ nghề dệt thổ cẩm',
    'đưa sản phẩm truyền thống lên sàn thương mại điện tử',
  ],
  art: ['ảnh nghệ thuật', 'tranh sơn mài', 'tranh lụa', 'mỹ thuật', 'ảnh thời sự', 'hiện vật khảo cổ'],
  culture_news: [
    'ra mắt tập thơ về Đà Lạt',
    'phục dựng lễ hội truyền thống',
    'trao giải cuộc thi sáng tác văn học',
    'khánh thành nhà trưng bày hiện vật',
    'đêm nhạc Trịnh Công Sơn hút khán giả',
  ],
  // Thể thao
  sport: [
    'bóng đá',
    'việt dã',
    'cờ vua',
    'bóng chuyền',
    'quần vợt',
    'xe đạp',
    'marathon',
    'vovinam',
    'pickleball',
    'golf',
  ],
  level: ['phong trào', 'trẻ', 'các câu lạc bộ', 'toàn quốc', 'mở rộng', 'học sinh'],
  sport_verb: ['khởi tranh', 'khép lại', 'thu hút hàng trăm vận động viên', 'bế mạc'],
  opponent: ['Bình Phước', 'Đắk Lắk', 'Khánh Hòa', 'Gia Lai', 'Bà Rịa – Vũng Tàu', 'Long An'],
  result: ['thắng kịch tính', 'hòa đáng tiếc', 'thua sát nút', 'ngược dòng ấn tượng'],
  medal: ['huy chương vàng', 'huy chương bạc', 'huy chương đồng', 'ngôi vô địch'],
  competition: [
    'Giải vô địch quốc gia',
    'Đại hội Thể thao toàn quốc',
    'giải Marathon Đà Lạt',
    'Hội khỏe Phù Đổng',
    'giải Việt dã toàn quốc',
  ],
  // Pháp luật
  suspect: ['đối tượng', 'nhóm đối tượng', 'nghi phạm', 'hai đối tượng'],
  crime: [
    'trộm cắp cà phê',
    'lừa đảo chiếm đoạt tài sản',
    'tàng trữ ma túy',
    'phá rừng trái phép',
    'đánh bạc qua mạng',
    'khai thác cát trái phép',
    'cho vay nặng lãi',
  ],
  people: ['2', '3', '5', '7', '12'],
  scam: [
    'thủ đoạn giả danh công an gọi điện lừa đảo',
    'chiêu lừa đặt phòng homestay giá rẻ',
    'lừa đảo tuyển cộng tác viên online',
    'tin nhắn giả mạo ngân hàng',
    'lừa cài ứng dụng dịch vụ công giả',
  ],
  violation: [
    'xe quá tải',
    'cơ sở kinh doanh homestay không phép',
    'vi phạm nồng độ cồn',
    'xây dựng trái phép trên đất nông nghiệp',
    'lấn chiếm hành lang giao thông',
  ],
  incident: [
    'tai nạn giao thông trên đèo Bảo Lộc',
    'cháy nhà xưởng',
    'phá rừng thông',
    'xe khách lật trên đèo Prenn',
  ],
  ring: ['đánh bạc qua mạng', 'mua bán ma túy', 'tín dụng đen', 'buôn lậu gỗ'],
  // Giáo dục
  school: [
    'THPT Chuyên Thăng Long',
    'Đại học Đà Lạt',
    'THPT Bảo Lộc',
    'Cao đẳng Đà Lạt',
    'THCS Lê Lợi',
    'Tiểu học Đoàn Thị Điểm',
    'Phổ thông Dân tộc nội trú tỉnh',
    'THPT Phan Bội Châu',
  ],
  edu_verb: [
    'khai giảng năm học mới',
    'đón nhận Huân chương Lao động',
    'đạt chuẩn quốc gia',
    'mở ngành đào tạo mới',
    'tổ chức ngày hội tuyển sinh',
  ],
  exam_verb: [
    'bước vào kỳ thi tốt nghiệp THPT',
    'dự thi học sinh giỏi cấp tỉnh',
    'đăng ký xét tuyển đại học',
    'tham gia kỳ thi tuyển sinh lớp 10',
  ],
  olympiad: [
    'tại kỳ thi học sinh giỏi quốc gia',
    'tại Olympic Toán học quốc tế',
    'ở cuộc thi khoa học kỹ thuật cấp quốc gia',
    'tại Olympic Tin học châu Á',
  ],
  edu_policy: [
    'miễn học phí cho học sinh từ mầm non đến THPT',
    'tuyển dụng hơn 500 giáo viên',
    'sắp xếp lại mạng lưới trường lớp',
    'đẩy mạnh dạy tiếng Anh ở vùng sâu, vùng xa',
  ],
  student_news: [
    'nhận học bổng vượt khó',
    'vùng khó được tặng xe đạp đến trường',
    'tham gia trải nghiệm nông nghiệp',
  ],
})

const VI_TOPICS: Record<Topic, TopicText> = {
  'thoi-su': {
    templates: [
      '{place}: {gov_actor} {gov_verb} {gov_object}',
      'Lâm Đồng {gov_verb} {gov_object}',
      '{gov_actor} kiểm tra {inspect_object} tại {place}',
      'Mưa lớn gây {disaster} ở {place}',
      'Khánh thành {infra} tại {place}',
      '{place} {weather_news}',
    ],
    tags: [
      'Tỉnh ủy Lâm Đồng',
      'UBND tỉnh',
      'Đầu tư công',
      'Cao tốc',
      'Chuyển đổi số',
      'Nông thôn mới',
      'Thời tiết',
      'Chính quyền hai cấp',
    ],
  },
  'kinh-te': {
    templates: [
      'Giá {commodity} hôm nay {price_move}',
      '{place} thu hút {number} tỷ đồng vốn đầu tư vào {sector}',
      'Doanh nghiệp {place} {business_verb}',
      'Xuất khẩu {commodity} {export_trend}',
      '{number} dự án {sector} được chấp thuận chủ trương đầu tư',
      'Ngân hàng {bank_verb} cho {borrower}',
    ],
    tags: ['Giá cả', 'Xuất khẩu', 'Doanh nghiệp', 'Đầu tư', 'Ngân hàng', 'Thị trường', 'Nông sản'],
  },
  'nong-nghiep': {
    templates: [
      'Nông dân {place} {farm_verb} {crop}',
      '{crop} {place} được mùa, được giá',
      'Ứng dụng {ag_tech} trong trồng {crop}',
      'Hiệu quả từ mô hình {model_kind} ở {place}',
      '{place}: {pest} gây hại trên {crop}',
      'Giá {crop} {price_move}, nông dân {farmer_mood}',
      'Tái canh {crop}: {replant_result}',
    ],
    tags: [
      'Nông nghiệp công nghệ cao',
      'Nông dân',
      'Mã vùng trồng',
      'Khuyến nông',
      'Hợp tác xã',
      'Chuyển đổi cây trồng',
    ],
  },
  'du-lich': {
    templates: [
      '{place} đón {number} lượt khách dịp {holiday}',
      'Khám phá {attraction} – {tour_adj}',
      'Mùa {flower} nở rộ ở {place}',
      'Trải nghiệm {experience} ở {place}',
      '{attraction} {tour_news}',
      'Đà Lạt {city_news}',
    ],
    tags: ['Du lịch Đà Lạt', 'Homestay', 'Săn mây', 'Điểm đến', 'Khách quốc tế', 'Du lịch cộng đồng'],
  },
  'van-hoa': {
    templates: [
      '{festival} {festival_verb}',
      'Bảo tồn {heritage} của đồng bào {ethnic}',
      'Nghệ nhân {ethnic} {artisan_verb}',
      'Triển lãm {art} tại {place}',
      '{place}: {culture_news}',
    ],
    tags: [
      'Cồng chiêng',
      'Di sản',
      'Đồng bào dân tộc',
      'Văn học nghệ thuật',
      'Thổ cẩm',
      'Lễ hội truyền thống',
    ],
  },
  'the-thao': {
    templates: [
      'Giải {sport} {level} {sport_verb} tại {place}',
      'CLB Lâm Đồng {result} trước {opponent}',
      'VĐV Lâm Đồng giành {medal} tại {competition}',
      '{place} đăng cai {competition}',
    ],
    tags: ['Bóng đá', 'Giải chạy', 'Thể thao phong trào', 'Huy chương', 'Vận động viên'],
  },
  'phap-luat': {
    templates: [
      'Bắt {suspect} {crime} tại {place}',
      'Khởi tố {people} đối tượng {crime}',
      'Cảnh báo {scam}',
      'Xử phạt {violation} ở {place}',
      'Điều tra vụ {incident}',
      'Triệt phá đường dây {ring}',
    ],
    tags: ['Lừa đảo', 'Ma túy', 'An toàn giao thông', 'Phá rừng', 'Công an Lâm Đồng', 'Tín dụng đen'],
  },
  'giao-duc': {
    templates: [
      '{place}: {number} thí sinh {exam_verb}',
      'Trường {school} {edu_verb}',
      'Học sinh Lâm Đồng đoạt {medal} {olympiad}',
      'Lâm Đồng {edu_policy}',
      '{number} học sinh {place} {student_news}',
    ],
    tags: ['Tuyển sinh', 'Thi tốt nghiệp THPT', 'Học sinh giỏi', 'Học bổng', 'Giáo viên'],
  },
}

const EN_LISTS: Lists = {
  place: [
    'Da Lat',
    'Bao Loc',
    'Duc Trong',
    'Lam Ha',
    'Di Linh',
    'Phan Thiet',
    'Mui Ne',
    'Gia Nghia',
    'Lac Duong',
  ],
  number: ['12', '40', '120', '350', '1,200', '4,800', '35,000'],
  gov_verb: ['speeds up', 'reviews', 'approves', 'launches', 'pushes ahead with'],
  gov_object: [
    'the Tan Phu – Bao Loc expressway',
    'the Bao Loc – Lien Khuong expressway',
    'its digital transformation plan',
    'public investment disbursement',
    'the Da Lat urban master plan',
    'its night-time economy project',
  ],
  weather: [
    'braces for a cold spell as temperatures drop below 12°C',
    'hit by heavy rain and landslides',
    'on high alert for forest fires',
  ],
  commodity: ['Coffee', 'Durian', 'Pepper', 'Tea', 'Avocado', 'Macadamia'],
  price_move: ['surge to a record high', 'edge lower', 'hold steady', 'rebound'],
  sector: ['high-tech agriculture', 'resort tourism', 'renewable energy', 'food processing'],
  crop: [
    'coffee',
    'durian',
    'strawberries',
    'artichokes',
    'macadamia',
    'hydroponic vegetables',
    'Arabica coffee',
  ],
  farm_verb: ['harvest', 'switch to', 'win export codes for', 'adopt drip irrigation for'],
  holiday: ['the New Year holiday', 'the National Day holiday', 'the Da Lat Flower Festival', 'the weekend'],
  attraction: [
    'Tuyen Lam Lake',
    'Langbiang Peak',
    'Datanla Falls',
    'Xuan Huong Lake',
    'Cau Dat tea hills',
    'Ta Dung Lake',
    'Mui Ne sand dunes',
  ],
  tour_adj: ['a cool-season favourite', 'wild beauty in the highlands', 'a must for cloud hunters'],
  festival: [
    'The Da Lat Flower Festival',
    'The Gong Culture Festival',
    'The New Rice Festival',
    'The Bao Loc Tea and Silk Festival',
  ],
  festival_verb: ['opens to crowds', 'draws tens of thousands of visitors', 'closes with fireworks'],
  heritage: ['gong culture', 'brocade weaving', 'long houses', 'epic songs'],
  ethnic: ['K’Ho', 'Ma', 'Chu Ru', 'M’Nong'],
}

const EN_TOPICS: Partial<Record<Topic, TopicText>> = {
  'thoi-su': {
    templates: ['Lam Dong {gov_verb} {gov_object}', '{place} {weather}'],
    tags: ['Lam Dong', 'Infrastructure', 'Weather', 'Government'],
  },
  'kinh-te': {
    templates: [
      '{commodity} prices {price_move}',
      '{place} attracts {number} billion VND in {sector} investment',
    ],
    tags: ['Economy', 'Exports', 'Investment', 'Prices'],
  },
  'nong-nghiep': {
    templates: ['{place} farmers {farm_verb} {crop}'],
    tags: ['Agriculture', 'Farmers', 'High-tech farming'],
  },
  'du-lich': {
    templates: ['{place} welcomes {number} visitors during {holiday}', 'Exploring {attraction}: {tour_adj}'],
    tags: ['Travel', 'Da Lat', 'Tourism', 'Highlands'],
  },
  'van-hoa': {
    templates: ['{festival} {festival_verb}', 'Preserving the {heritage} of the {ethnic} people'],
    tags: ['Culture', 'Heritage', 'Ethnic minorities', 'Festivals'],
  },
}

/** Tags that cut across sections. */
const CROSS_TAGS = nfcList(['Lâm Đồng', 'Đà Lạt', 'Sáp nhập tỉnh', 'Chuyển đổi số', 'Tây Nguyên'])

const SURNAMES = nfcList([
  'Nguyễn',
  'Trần',
  'Lê',
  'Phạm',
  'Hoàng',
  'Huỳnh',
  'Phan',
  'Vũ',
  'Võ',
  'Đặng',
  'Bùi',
  'Đỗ',
  'Hồ',
  'Ngô',
  'Dương',
  'Lý',
])
const MIDDLE_NAMES = nfcList([
  'Văn',
  'Thị',
  'Hữu',
  'Đức',
  'Minh',
  'Thanh',
  'Ngọc',
  'Quang',
  'Hoài',
  'Bảo',
  'Thu',
  'Kim',
])
const GIVEN_NAMES = nfcList([
  'An',
  'Bình',
  'Châu',
  'Dũng',
  'Giang',
  'Hà',
  'Hạnh',
  'Hiếu',
  'Hòa',
  'Hùng',
  'Khoa',
  'Lan',
  'Linh',
  'Long',
  'Mai',
  'Nam',
  'Ngân',
  'Nhung',
  'Phong',
  'Phúc',
  'Quân',
  'Sơn',
  'Tâm',
  'Thảo',
  'Trang',
  'Trung',
  'Tuấn',
  'Vy',
  'Xuân',
  'Yến',
])

export interface Headline {
  title: string
  tags: string[]
}

/**
 * A headline for an article of `topic`, with 2–5 tags (the place, crop or festival it names, the section's own
 * tags, now and then a cross-cutting one).
 * @example headline(rng, 'du-lich', 'vi') // { title: 'Mùa dã quỳ nở rộ ở Lạc Dương', tags: ['Lạc Dương', 'Homestay', …] }
 */
export function headline(rng: Rng, topic: Topic, language: 'vi' | 'en'): Headline {
  const text = language === 'en' ? (EN_TOPICS[topic] ?? EN_TOPICS['thoi-su']) : VI_TOPICS[topic]
  const lists = language === 'en' ? EN_LISTS : VI_LISTS
  if (!text) throw new Error(`no ${language} headlines for ${topic}`)
  const slotTags: string[] = []
  const template = rng.pick(text.templates)
  const filled = template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const list = lists[name]
    if (!list) throw new Error(`headline template names an unknown list {${name}}`)
    const word = rng.pick(list)
    if (TAG_SLOTS.has(name)) slotTags.push(capitalize(word))
    return word
  })
  const tags = new Set(slotTags)
  const own = 1 + rng.int(3)
  for (let i = 0; i < own; i++) tags.add(rng.pick(text.tags))
  if (language === 'vi' && rng.chance(0.2)) tags.add(rng.pick(CROSS_TAGS))
  return { title: capitalize(filled).normalize('NFC'), tags: [...tags].map((t) => t.normalize('NFC')) }
}

/** A Vietnamese byline: family name, middle name, given name. */
export function personName(rng: Rng): string {
  const given = rng.pick(GIVEN_NAMES)
  return `${rng.pick(SURNAMES)} ${rng.pick(MIDDLE_NAMES)}${rng.chance(0.3) ? ` ${rng.pick(GIVEN_NAMES)}` : ''} ${given}`.normalize(
    'NFC',
  )
}

/**
 * URL slug of a Vietnamese text: diacritics removed (đ → d), lower case, dashes.
 * @example slugify('Mùa dã quỳ nở rộ ở Đà Lạt') // 'mua-da-quy-no-ro-o-da-lat'
 */
export function slugify(text: string, maxLength = 80): string {
  const slug = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return slug.slice(0, maxLength).replace(/-+$/, '')
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s.charAt(0).toLocaleUpperCase('vi') + s.slice(1)
}

function nfcList(list: readonly string[]): string[] {
  return list.map((s) => s.normalize('NFC'))
}

function nfcLists(lists: Lists): Lists {
  return Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, nfcList(v)]))
}

function nfcRecord<K extends string>(r: Record<K, string>): Record<K, string> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (v as string).normalize('NFC')])) as Record<
    K,
    string
  >
}

/** Every word list, for tests that check the text is NFC with diacritics. */
export const ALL_VIETNAMESE_WORDS: readonly string[] = [
  ...Object.values(VI_LISTS).flat(),
  ...Object.values(VI_TOPICS).flatMap((t) => [...t.templates, ...t.tags]),
  ...CROSS_TAGS,
  ...SURNAMES,
  ...MIDDLE_NAMES,
  ...GIVEN_NAMES,
  ...Object.values(SECTION_NAMES.vi),
]
