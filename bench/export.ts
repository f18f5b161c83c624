/**
 * `pnpm bench:export`: what the minutes cost to render as a meeting grows. A document sized like a meeting
 * of 2,000 participants and 500 topics against one of 200 and 50 (built directly, in the shape the
 * domain's sections produce: fields, an attendance table with a row per person, the agenda, a topics
 * table with a row per topic, merges, notes, signatures, the verify block), each rendered to Markdown,
 * DOCX and PDF. Nothing is asserted; it prints a table and, per format, the ratio big ÷ small measured in
 * the same run (the goal is at most 12× for ten times the content: the cost is linear in it).
 *
 * Env: BENCH_EXPORT_REPEAT=5 (samples per format and size, alternating; the median is kept; a sample of a
 * fast format renders its document several times and counts the mean).
 */
import type { Block, RecordDocument } from '../packages/domain/src/record/model.ts';
import { renderDocx, renderMarkdown, renderPdf } from '../packages/export/src/index.ts';

const REPEAT = Number(process.env.BENCH_EXPORT_REPEAT ?? 5);
const GROUPS = ['居民', '商户', '居委会', '物业'];
const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗';

function minutes(people: number, topics: number): RecordDocument {
  const name = (i: number) => `${SURNAMES[i % SURNAMES.length]}${['建国', '秀兰', '桂芳', '明', '晓燕', '德胜'][i % 6]}${i}`;
  const time = (i: number) => `14:${String(i % 60).padStart(2, '0')}`;
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: '滨河东里居民议事会 会议纪要' },
    { kind: 'fields', rows: [{ label: '日期', value: '2026年12月1日 14:00–16:30' }, { label: '地点', value: '滨河东里社区活动室' }, { label: '主持人', value: '王秀兰' }, { label: '记录员', value: '李建国' }] },
    { kind: 'heading', level: 2, text: '出席情况' },
    { kind: 'paragraph', inlines: [`共 ${people} 人参会。`] },
    { kind: 'table', header: ['参与方', '姓名', '加入时间'], widths: [2, 4, 2], rows: Array.from({ length: people }, (_, i) => [[GROUPS[i % GROUPS.length]!], [name(i)], [time(i)]]) },
    { kind: 'heading', level: 2, text: '议程' },
    { kind: 'list', ordered: true, items: ['签到与开场', '提出议题', '分组讨论', '汇报与总结'].map((s, i) => [`${s} ${time(i * 10)}–${time(i * 10 + 10)}`]) },
    { kind: 'heading', level: 2, text: '议题' },
    {
      kind: 'table',
      header: ['编号', '议题', '发起人', '参与方'],
      widths: [1, 6, 2, 2],
      rows: Array.from({ length: topics }, (_, i) => [
        [String(i + 1)],
        i % 7 === 3 ? [{ text: `关于${name(i)}楼道改造与停车管理的第 ${i + 1} 项建议`, struck: true }, { text: '（已撤回）', muted: true }] : [`关于${name(i)}楼道改造与停车管理的第 ${i + 1} 项建议`],
        [name(i * 3)],
        [GROUPS[i % GROUPS.length]!],
      ]),
    },
    { kind: 'heading', level: 3, text: '合并' },
    { kind: 'list', ordered: false, items: Array.from({ length: Math.floor(topics / 10) }, (_, i) => [`第 ${i * 10 + 2} 号并入第 ${i * 10 + 5} 号`]) },
    { kind: 'note', text: '隐藏的议题仅记录其存在。' },
    { kind: 'heading', level: 2, text: '签字' },
    { kind: 'signatures', dateLabel: '日期', rows: [{ role: '主持人', name: '王秀兰' }, { role: '记录员', name: '李建国' }] },
    { kind: 'verify', label: '核验本纪要', seq: people + topics * 3, hash: 'ab'.repeat(32), url: 'https://yishi.example.org/m/meet0001/verify', text: '打开核验地址，输入条目编号和哈希值。' },
  ];
  return { kind: 'minutes', language: 'zh-CN', title: '滨河东里居民议事会 会议纪要', footer: '滨河东里居民议事会 · 核验：第 128 条', blocks };
}

const FORMATS = {
  md: async (doc: RecordDocument) => new TextEncoder().encode(renderMarkdown(doc)),
  docx: renderDocx,
  pdf: renderPdf,
} as const;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const small = minutes(200, 50);
  const big = minutes(2000, 500);
  // Warm up (fonts read, glyph widths cached, JIT) and calibrate: a sample renders a document `inner`
  // times, so the small one's sample takes at least ~50 ms and a garbage collection does not decide the ratio.
  const inner: Record<string, number> = {};
  for (const [format, render] of Object.entries(FORMATS)) {
    await render(small);
    const t0 = performance.now();
    await render(small);
    inner[format] = Math.max(1, Math.ceil(50 / Math.max(0.01, performance.now() - t0)));
  }

  console.log('\n## Export: the minutes of a small and a big meeting (median of %d samples)\n', REPEAT);
  console.log('| format | 200 people, 50 topics: ms | bytes | 2,000 people, 500 topics: ms | bytes | big ÷ small |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [format, render] of Object.entries(FORMATS)) {
    const times = { small: [] as number[], big: [] as number[] };
    const bytes = { small: 0, big: 0 };
    for (let i = 0; i < REPEAT; i++) {
      for (const size of ['small', 'big'] as const) {
        const doc = size === 'small' ? small : big;
        const t0 = performance.now();
        for (let k = 0; k < inner[format]!; k++) bytes[size] = (await render(doc)).byteLength;
        times[size].push((performance.now() - t0) / inner[format]!);
      }
    }
    const s = median(times.small);
    const b = median(times.big);
    console.log(`| ${format} | ${s.toFixed(1)} | ${bytes.small} | ${b.toFixed(1)} | ${bytes.big} | ${(b / s).toFixed(2)}× |`);
  }
  console.log('\ngoal: big ÷ small at most 12× for each format (ten times the content).');
}

await main();
