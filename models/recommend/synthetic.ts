// A synthetic news-reading dataset with latent topics, for tests and the benchmark: articles with Vietnamese
// titles published through the day, readers with 1–3 favourite topics reading fresh articles in sessions.
// The ground truth (each reader's topics) is returned, so a test can check what a model should find.
import type { Interaction } from './csv-import.ts'
import { DAY_MS, seededRandom } from './dataset.ts'
import type { ItemMeta } from './features.ts'

const SECTIONS: Record<string, string[]> = {
  'Thời sự': [
    'quốc hội',
    'chính phủ',
    'thủ tướng',
    'nghị quyết',
    'đại biểu',
    'cử tri',
    'hội nghị',
    'tỉnh ủy',
    'lãnh đạo',
    'bầu cử',
    'cải cách',
    'sáp nhập',
  ],
  'Kinh tế': [
    'giá vàng',
    'lãi suất',
    'ngân hàng',
    'chứng khoán',
    'xuất khẩu',
    'doanh nghiệp',
    'cà phê',
    'bất động sản',
    'thuế',
    'tỷ giá',
    'giá xăng',
    'đầu tư',
  ],
  'Thể thao': [
    'bóng đá',
    'đội tuyển',
    'huấn luyện viên',
    'cầu thủ',
    'giải đấu',
    'vô địch',
    'sân vận động',
    'bàn thắng',
    'trận đấu',
    'cầu lông',
    'điền kinh',
    'quần vợt',
  ],
  'Giải trí': [
    'ca sĩ',
    'phim ảnh',
    'hoa hậu',
    'âm nhạc',
    'diễn viên',
    'nghệ sĩ',
    'điện ảnh',
    'lễ trao giải',
    'ban nhạc',
    'sân khấu',
  ],
  'Giáo dục': [
    'học sinh',
    'thi tốt nghiệp',
    'đại học',
    'giáo viên',
    'tuyển sinh',
    'học phí',
    'điểm chuẩn',
    'học bổng',
    'trường học',
    'sách giáo khoa',
  ],
  'Sức khỏe': [
    'bệnh viện',
    'bác sĩ',
    'sốt xuất huyết',
    'tiêm chủng',
    'dinh dưỡng',
    'ung thư',
    'bảo hiểm y tế',
    'thuốc',
    'phẫu thuật',
    'dịch bệnh',
  ],
  'Du lịch': [
    'đà lạt',
    'hồ xuân hương',
    'homestay',
    'lễ hội hoa',
    'du khách',
    'khách sạn',
    'phú quốc',
    'sa pa',
    'ẩm thực',
    'thác nước',
  ],
  'Pháp luật': [
    'công an',
    'khởi tố',
    'tạm giam',
    'lừa đảo',
    'tòa án',
    'vụ án',
    'ma túy',
    'tai nạn giao thông',
    'buôn lậu',
    'điều tra',
  ],
  'Công nghệ': [
    'trí tuệ nhân tạo',
    'điện thoại',
    'chuyển đổi số',
    'an ninh mạng',
    'ứng dụng',
    'xe điện',
    'vệ tinh',
    'mạng 5g',
    'dữ liệu',
    'robot',
  ],
  'Nông nghiệp': [
    'sầu riêng',
    'rau sạch',
    'hoa cúc',
    'chè',
    'nông dân',
    'thời tiết',
    'mưa lũ',
    'hợp tác xã',
    'giá lúa',
    'bò sữa',
  ],
}
const FILLER = [
  'tăng mạnh',
  'mới nhất',
  'hôm nay',
  'cảnh báo',
  'đề xuất',
  'tại',
  'trong',
  'năm nay',
  'người dân',
  'lần đầu',
  'kỷ lục',
  'bất ngờ',
  'chính thức',
  'sau',
  'vì sao',
  'nhiều',
  'giảm',
  'khởi động',
  'tiếp tục',
  'hướng dẫn',
]
const PLACES = [
  'lâm đồng',
  'hà nội',
  'tp.hcm',
  'đà nẵng',
  'cần thơ',
  'huế',
  'nha trang',
  'bảo lộc',
  'đắk lắk',
  'khánh hòa',
  'gia lai',
  'bình thuận',
]

export interface SyntheticOptions {
  /** Approximate number of reads to generate. */
  interactions: number
  users: number
  days: number
  articlesPerDay: number
  topics: number
  seed: number
  /** Epoch ms of the first day (a Vietnamese midnight). */
  start: number
  /** Share of reads that follow the reader's own topics (the rest follow what is popular). */
  personal: number
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = {
  interactions: 20_000,
  users: 1_000,
  days: 10,
  articlesPerDay: 60,
  topics: 20,
  seed: 1,
  start: Date.parse('2026-06-01T00:00:00+07:00'),
  personal: 0.7,
}

export interface SyntheticDataset {
  items: Array<ItemMeta & { topic: number }>
  interactions: Interaction[]
  /** Ground truth: each reader's favourite topics with weights. */
  userTopics: Array<Array<{ topic: number; weight: number }>>
}

/** Generates a synthetic dataset (deterministic for a given seed). */
export function generateSyntheticNews(options: Partial<SyntheticOptions> = {}): SyntheticDataset {
  const o = { ...DEFAULT_SYNTHETIC, ...options }
  const rand = seededRandom(o.seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
  const sectionNames = Object.keys(SECTIONS)
  // Topics: a section, a subset of its keywords and a couple of places.
  const topics = Array.from({ length: o.topics }, (_, k) => {
    const section = sectionNames[k % sectionNames.length] as string
    const words = [...(SECTIONS[section] as string[])].sort(() => rand() - 0.5).slice(0, 5)
    return {
      section,
      words: [...words, pick(PLACES), pick(PLACES)],
      halfLifeH: section === 'Thời sự' || section === 'Pháp luật' ? 8 : 20,
    }
  })
  const topicPopularity = topics.map(() => 0.3 + rand())
  const authors = sectionNames.flatMap((s) =>
    [1, 2, 3].map((i) => ({ name: `${s} phóng viên ${i}`, section: s })),
  )

  // Articles: published through each day, more in the morning.
  const items: SyntheticDataset['items'] = []
  const quality: number[] = []
  const byTopic: number[][] = topics.map(() => [])
  for (let day = 0; day < o.days; day++) {
    for (let a = 0; a < o.articlesPerDay; a++) {
      const topic = Math.floor(rand() * o.topics)
      const tp = topics[topic] as (typeof topics)[number]
      const hour = 5 + Math.floor(rand() * rand() * 18)
      const published = o.start + day * DAY_MS + hour * 3_600_000 + Math.floor(rand() * 3_600_000)
      const main = pick(tp.words)
      const second = rand() < 0.7 ? pick(tp.words) : pick(FILLER)
      const title = `${main[0]?.toUpperCase()}${main.slice(1)} ${pick(FILLER)} ${second} ${rand() < 0.5 ? pick(FILLER) : pick(PLACES)}`
      const id = `bv-${day}-${a}-${Math.floor(rand() * 1e6)}`
      const author = pick(authors.filter((x) => x.section === tp.section)).name
      items.push({
        id,
        title,
        tags: [main, pick(tp.words)],
        section: tp.section,
        author,
        published,
        paywalled: rand() < 0.1,
        topic,
      })
      quality.push(Math.exp(0.8 * normal(rand)))
      byTopic[topic]?.push(items.length - 1)
    }
  }
  for (const list of byTopic) list.sort((x, y) => (items[x]?.published ?? 0) - (items[y]?.published ?? 0))

  // Readers: 1–3 topics; activity is skewed (a few heavy readers, many light ones).
  const userTopics: SyntheticDataset['userTopics'] = []
  const activity: number[] = []
  for (let u = 0; u < o.users; u++) {
    const k = 1 + Math.floor(rand() * 3)
    const chosen = new Set<number>()
    while (chosen.size < k) chosen.add(Math.floor(rand() * o.topics))
    const ws = [...chosen].map((topic) => ({ topic, weight: 0.2 + rand() }))
    const sum = ws.reduce((a, b) => a + b.weight, 0)
    userTopics.push(ws.map((w) => ({ topic: w.topic, weight: w.weight / sum })))
    activity.push(Math.exp(normal(rand)))
  }
  const totalActivity = activity.reduce((a, b) => a + b, 0)
  const popSum = topicPopularity.reduce((a, b) => a + b, 0)

  const interactions: Interaction[] = []
  const end = o.start + o.days * DAY_MS
  const chooseArticle = (topic: number, t: number, read: Set<number>): number | undefined => {
    const list = byTopic[topic] as number[]
    const hl = (topics[topic] as (typeof topics)[number]).halfLifeH
    // Articles published in the last 3 days before t (the list is sorted by publication time).
    let hi = list.length
    let lo = 0
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((items[list[mid] as number]?.published ?? 0) <= t) lo = mid + 1
      else hi = mid
    }
    const w: number[] = []
    const idx: number[] = []
    let total = 0
    for (let p = lo - 1; p >= 0; p--) {
      const it = list[p] as number
      const age = (t - (items[it]?.published ?? 0)) / 3_600_000
      if (age > 72) break
      if (read.has(it) && rand() < 0.95) continue
      const weight = (quality[it] as number) * 0.5 ** (age / hl)
      total += weight
      w.push(total)
      idx.push(it)
    }
    if (total === 0) return undefined
    const x = rand() * total
    let a = 0
    while ((w[a] as number) < x) a++
    return idx[a]
  }
  for (let u = 0; u < o.users; u++) {
    const n = Math.max(1, Math.round((o.interactions * (activity[u] as number)) / totalActivity))
    const prefs = userTopics[u] as Array<{ topic: number; weight: number }>
    const read = new Set<number>()
    let made = 0
    let guard = 0
    while (made < n && guard++ < n * 5) {
      // A visit: 1–6 reads a few minutes apart, often staying on one topic.
      let t = o.start + rand() * (end - o.start)
      let topic = -1
      const reads = 1 + Math.floor(-Math.log(1 - rand()) * 1.5)
      for (let r = 0; r < reads && made < n; r++) {
        if (topic < 0 || rand() < 0.5) {
          if (rand() < o.personal) {
            let x = rand()
            topic = (prefs[prefs.length - 1] as { topic: number }).topic
            for (const p of prefs) {
              x -= p.weight
              if (x <= 0) {
                topic = p.topic
                break
              }
            }
          } else {
            let x = rand() * popSum
            topic = 0
            for (; topic < o.topics - 1; topic++) {
              x -= topicPopularity[topic] as number
              if (x <= 0) break
            }
          }
        }
        if (t >= end) break
        const it = chooseArticle(topic, t, read)
        if (it === undefined) continue
        read.add(it)
        interactions.push({ user: `u${u}`, item: (items[it] as ItemMeta).id, ts: Math.round(t) })
        made++
        t += 60_000 + rand() * 300_000
      }
    }
  }
  interactions.sort((a, b) => a.ts - b.ts)
  return { items, interactions, userTopics }
}

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
}
