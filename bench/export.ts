/**
 * `pnpm bench:export`: what the minutes cost as a meeting grows. The log of a meeting of 2,000
 * participants and 500 topics against one of 200 and 50 (made through `decide`, as the server would
 * write it: joins in three groups, paper participants, two phase moves, posts, an edit of every fifth
 * topic, merges, hides and withdrawals, the desk's details and notes), turned into the minutes as an
 * export request does — the domain's `buildMinutes` over the whole log, then the renderer — for
 * Markdown, DOCX and PDF. Nothing is asserted; it prints a table and, per format, the ratio big ÷ small
 * measured in the same run (the goal is at most 12× for ten times the content: the cost is linear in it).
 *
 * Env: BENCH_EXPORT_REPEAT=5 (samples per format and size, alternating; the median is kept; a sample of a
 * fast format renders its document several times and counts the mean).
 */
import { buildMinutes, decide, evolve, type Command, type LogEntry, type MeetingState, type NewEntry } from '../packages/domain/src/index.ts';
import { renderDocx, renderMarkdown, renderPdf } from '../packages/export/src/index.ts';
import type { Actor } from '../packages/protocol/src/index.ts';
import { chainEntries, genesisHash } from '../packages/store/src/chain.ts';

const REPEAT = Number(process.env.BENCH_EXPORT_REPEAT ?? 5);
const GROUPS = ['居民', '商户', '居委会'];
const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗';
const FACILITATOR: Actor = { role: 'facilitator' };
const SECRETARY: Actor = { role: 'secretary' };
const VERIFY_URL = 'http://192.168.1.20:3000/verify/meet0001';

/** A meeting's log, chained as the store chains it. */
function meetingLog(people: number, topics: number): LogEntry[] {
  let n = 0;
  let now = Date.UTC(2026, 11, 1, 6, 0);
  const newId = () => `id${String(++n).padStart(7, '0')}`;
  let state: MeetingState | null = null;
  const entries: NewEntry[] = [];
  let cmdNo = 0;
  const cid = () => `cmd-${String(++cmdNo).padStart(8, '0')}`;
  const run = (command: Command, actor: Actor) => {
    now += 500;
    const decision = decide(state, command, actor, { now, newId });
    if (!decision.ok) throw new Error(`${command.type}: ${decision.error.message}`);
    const created = decision.events.map((event) => ({ at: now, actor, commandId: 'commandId' in command ? command.commandId : null, event }));
    for (const entry of created) state = evolve(state, { ...entry, seq: entries.length + 1 + created.indexOf(entry) });
    entries.push(...created);
    return decision.events;
  };
  const current = () => state as unknown as MeetingState;
  const name = (i: number) => `${SURNAMES[i % SURNAMES.length]}${['建国', '秀兰', '桂芳', '明', '晓燕', '德胜'][i % 6]}${i}`;

  run({ type: 'meeting.create', meetingId: 'meet0001', joinCode: '123456', title: '滨河东里居民议事会', groups: GROUPS, language: 'zh-CN', templateId: 'open-space', timeZone: 'Asia/Shanghai' }, FACILITATOR);
  run({ type: 'record.details.set', commandId: cid(), place: '滨河东里社区活动室', facilitatorName: '王秀兰', secretaryName: '李建国' }, SECRETARY);
  run({ type: 'phase.advance', commandId: cid(), fromPhaseId: current().phaseId }, FACILITATOR);
  const ids: string[] = [];
  for (let i = 1; i <= people; i++) {
    const id = `p${String(i).padStart(5, '0')}`;
    ids.push(id);
    run({ type: 'participant.join', participantId: id, name: name(i), group: GROUPS[i % 3]! }, { role: 'participant', participantId: id });
  }
  for (let i = 0; i < people / 100; i++) run({ type: 'paper.add', commandId: cid(), group: GROUPS[i % 3]!, name: `纸质${name(i)}` }, SECRETARY);
  run({ type: 'paper.add', commandId: cid(), group: '居民', count: Math.max(1, people / 50) }, SECRETARY);
  const posted: { id: string; by: string }[] = [];
  for (let i = 0; i < topics; i++) {
    const by = ids[i % ids.length]!;
    const [ev] = run({ type: 'topic.post', commandId: cid(), title: `关于${name(i)}楼道改造与停车管理的第 ${i + 1} 项建议`, description: '' }, { role: 'participant', participantId: by });
    if (ev?.type === 'topic.posted') posted.push({ id: ev.topicId, by });
  }
  for (let i = 0; i < posted.length; i++) {
    const t = posted[i]!;
    const as: Actor = { role: 'participant', participantId: t.by };
    if (i % 5 === 0) run({ type: 'topic.edit', commandId: cid(), topicId: t.id, title: `修改后：第 ${i + 1} 项建议（楼道与停车）`, description: '' }, as);
    if (i % 10 === 1) run({ type: 'topic.merge', commandId: cid(), targetId: posted[i - 1]!.id, sourceIds: [t.id] }, FACILITATOR);
    if (i % 25 === 3) run({ type: 'topic.hide', commandId: cid(), topicId: t.id }, FACILITATOR);
    if (i % 25 === 4) run({ type: 'topic.withdraw', commandId: cid(), topicId: t.id }, as);
  }
  run({ type: 'phase.advance', commandId: cid(), fromPhaseId: current().phaseId }, FACILITATOR);
  run({ type: 'record.notes.set', commandId: cid(), notes: '会议就楼道堆物和停车管理达成初步共识。\n下次会议讨论商户营业时间。' }, SECRETARY);
  return chainEntries({ seq: 0, hash: genesisHash('meet0001') }, entries) as LogEntry[];
}

/** What an export request does: the minutes built from the whole log, then rendered. */
const FORMATS = {
  md: async (log: LogEntry[]) => new TextEncoder().encode(renderMarkdown(buildMinutes(log, { verifyUrl: VERIFY_URL }))),
  docx: (log: LogEntry[]) => renderDocx(buildMinutes(log, { verifyUrl: VERIFY_URL })),
  pdf: (log: LogEntry[]) => renderPdf(buildMinutes(log, { verifyUrl: VERIFY_URL })),
} as const;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const small = meetingLog(200, 50);
  const big = meetingLog(2000, 500);
  console.log('\nlogs: %d and %d entries', small.length, big.length);
  // Warm up (fonts read, glyph widths cached, JIT) and calibrate: a sample exports a log `inner`
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
