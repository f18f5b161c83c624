import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Actor } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { buildMinutes, type Block, type Inline, type LogEntry, type RecordDocument, type ServerCommand } from '../src/index.ts';
import { cmd, FACILITATOR, MeetingHarness, participant, SECRETARY } from './harness.ts';

/*
 * The minutes of a fixed short meeting [D19]: joins in two groups, paper participants by name and as a
 * count, topics, an edit, a merge (and an undone one), a hidden and a withdrawn topic, a rename, a
 * removal, two phase moves, the record's fields and notes, the end, and a topic added after it. Times are
 * fixed (Asia/Shanghai, 1 Dec 2026 from 14:00), ids sequential, hashes a fake chain.
 */

const T0 = Date.UTC(2026, 11, 1, 6, 0); // 14:00 in Shanghai
const at = (minutes: number) => T0 + minutes * 60_000;

function meeting(language: 'zh-CN' | 'en' = 'zh-CN', timeZone = 'Asia/Shanghai'): LogEntry[] {
  const h = new MeetingHarness();
  const step = (minutes: number, command: Parameters<MeetingHarness['must']>[0], actor: Actor) => {
    h.now = at(minutes) - 1000; // `run` adds a second
    return h.must(command, actor);
  };
  const create: ServerCommand = { type: 'meeting.create', meetingId: 'meet0001', joinCode: '123456', title: '滨河东里议事会', groups: ['居民', '商户', '居委会'], language, templateId: 'open-space', timeZone };
  step(0, create, FACILITATOR);
  step(1, { type: 'participant.join', participantId: 'ann1', name: '安大姐', group: '居民' }, participant('ann1'));
  step(2, { type: 'participant.join', participantId: 'bob2', name: '包老板', group: '商户' }, participant('bob2'));
  step(3, { type: 'participant.join', participantId: 'cat3', name: '小陈', group: '居民' }, participant('cat3'));
  step(4, cmd({ type: 'paper.add', group: '居民', name: '王阿姨' }), SECRETARY);
  step(5, cmd({ type: 'paper.add', group: '商户', count: 3 }), SECRETARY);
  step(10, cmd({ type: 'phase.advance', fromPhaseId: h.current.phaseId }), FACILITATOR);
  const post = (minutes: number, who: string, title: string) => {
    const event = step(minutes, cmd({ type: 'topic.post', title, description: '' }), participant(who)).events[0];
    if (event?.type !== 'topic.posted') throw new Error('expected topic.posted');
    return event.topicId;
  };
  const parking = post(12, 'ann1', '停车难');
  const waste = post(13, 'bob2', '垃圾分类');
  const spaces = post(14, 'cat3', '停车位太少');
  step(15, cmd({ type: 'topic.postFor', title: '加装电梯', description: '', convenerName: '李大爷', convenerGroup: '居民' }), SECRETARY);
  const noise = post(16, 'ann1', '广场舞噪音');
  step(17, cmd({ type: 'topic.edit', topicId: parking, title: '停车难问题', description: '' }), participant('ann1'));
  const undone = step(18, cmd({ type: 'topic.merge', targetId: waste, sourceIds: [noise] }), FACILITATOR).events[0];
  if (undone?.type !== 'topic.merged') throw new Error('expected topic.merged');
  step(19, cmd({ type: 'topic.unmerge', mergeId: undone.mergeId }), FACILITATOR);
  step(20, cmd({ type: 'topic.merge', targetId: parking, sourceIds: [spaces] }), FACILITATOR);
  step(21, cmd({ type: 'topic.hide', topicId: noise }), FACILITATOR);
  step(22, cmd({ type: 'topic.withdraw', topicId: waste }), participant('bob2'));
  step(23, cmd({ type: 'participant.rename', participantId: 'cat3', name: '陈小三' }), FACILITATOR);
  step(25, cmd({ type: 'participant.remove', participantId: 'bob2' }), FACILITATOR);
  step(30, cmd({ type: 'phase.advance', fromPhaseId: h.current.phaseId }), FACILITATOR);
  step(31, cmd({ type: 'record.details.set', place: '滨河东里社区活动室', facilitatorName: '李主持', secretaryName: '张记录' }), SECRETARY);
  step(32, cmd({ type: 'record.notes.set', notes: '居民普遍反映停车难。\n\n下次会议继续讨论加装电梯。' }), SECRETARY);
  step(60, cmd({ type: 'meeting.end' }), FACILITATOR);
  step(65, cmd({ type: 'topic.postFor', title: '会后补记的议题', description: '', convenerName: '赵先生', convenerGroup: null }), SECRETARY);
  // The store's chain, faked: enough for the minutes, which print the last entry's seq and hash.
  let prevHash = '0'.repeat(64);
  return h.log.map((entry) => {
    const hash = createHash('sha256').update(prevHash + JSON.stringify(entry)).digest('hex');
    const logged: LogEntry = { ...entry, actor: entry.actor!, commandId: null, prevHash, hash };
    prevHash = hash;
    return logged;
  });
}

const inlineText = (inlines: readonly Inline[]) => inlines.map((i) => (typeof i === 'string' ? i : i.text)).join('');

/** Every block as the lines of text a reader sees, in order. */
function lines(doc: RecordDocument): string[] {
  return doc.blocks.flatMap((block: Block): string[] => {
    switch (block.kind) {
      case 'heading':
        return [block.text];
      case 'paragraph':
        return [inlineText(block.inlines)];
      case 'fields':
        return block.rows.map((r) => `${r.label}: ${r.value}`);
      case 'table':
        return [block.header.join(' | '), ...block.rows.map((row) => row.map(inlineText).join(' | '))];
      case 'list':
        return block.items.map(inlineText);
      case 'note':
        return [block.text];
      case 'signatures':
        return [...block.rows.map((r) => `${r.role}: ${r.name}`), block.dateLabel];
      case 'verify':
        return [block.label, String(block.seq), block.hash, block.url, block.text];
      case 'diagram':
        return [block.caption, ...block.diagram.nodes.map((n) => n.label)];
    }
  });
}

/** `expected` appear in `actual` in this order, each in a later line than the one before (a line may hold several). */
function expectInOrder(actual: readonly string[], expected: readonly string[]) {
  let from = 0;
  for (const text of expected) {
    let i = from;
    while (i < actual.length && !actual[i]!.includes(text)) i++;
    expect(i < actual.length, `"${text}" after line ${from}:\n${actual.slice(from).join('\n')}`).toBe(true);
    from = i;
  }
}

const GOLDEN = new URL('./fixtures/minutes-zh.json', import.meta.url);

describe('minutes [D19]', () => {
  const log = meeting();
  const doc = buildMinutes(log, { verifyUrl: 'https://yishi.example/m/meet0001/verify' });
  const text = lines(doc);

  it('[D19] the title, the head, every section in order, the signatures and the verify block', () => {
    expect(doc.kind).toBe('minutes');
    expect(doc.language).toBe('zh-CN');
    expect(doc.title).toBe('会议纪要：滨河东里议事会');
    expect(doc.blocks[0]).toEqual({ kind: 'heading', level: 1, text: '会议纪要：滨河东里议事会' });
    expect(doc.blocks[1]).toEqual({
      kind: 'fields',
      rows: [
        { label: '日期', value: '2026年12月1日' },
        { label: '时间', value: '14:00 – 15:00' },
        { label: '地点', value: '滨河东里社区活动室' },
        { label: '主持人', value: '李主持' },
        { label: '记录员', value: '张记录' },
        { label: '利益相关方', value: '居民、商户、居委会' },
        { label: '出席', value: '6 人（其中纸质登记 4 人）' }
      ]
    });
    expect(doc.blocks.filter((b) => b.kind === 'heading' && b.level === 2).map((b) => (b as { text: string }).text)).toEqual(['出席情况', '议程执行情况', '议题', '会议记录', '签字']);
    const last = log.at(-1)!;
    expect(doc.blocks.at(-1)).toMatchObject({ kind: 'verify', seq: last.seq, hash: last.hash, url: 'https://yishi.example/m/meet0001/verify' });
    expect(doc.footer).toContain(last.hash.slice(0, 12));
    expect(doc.blocks.at(-2)).toEqual({ kind: 'signatures', rows: [{ role: '主持人', name: '李主持' }, { role: '记录员', name: '张记录' }], dateLabel: '日期' });
  });

  it('[D19] attendance by group: who joined and when, removed and renamed people, paper participants, totals', () => {
    expectInOrder(text, [
      '出席情况',
      '利益相关方 | 手机加入 | 纸质登记 | 合计',
      '居民 | 2 | 1 | 3',
      '商户 | 0 | 3 | 3',
      '居委会 | 0 | 0 | 0',
      '合计 | 2 | 4 | 6',
      '居民（3 人）',
      '安大姐 | 14:01 | —',
      '陈小三（原名：小陈） | 14:03 | —',
      '王阿姨 | 14:04 | 纸质登记',
      '小计 | 手机 2 人，纸质 1 人 | 3 人',
      '商户（3 人）',
      '包老板 | 14:02 | 已移出',
      '未具名 3 人 | 14:05 | 纸质登记',
      '小计 | 手机 0 人，纸质 3 人 | 3 人'
    ]);
    // A removed person is struck through; nobody in 居委会, so no table for it.
    expect(JSON.stringify(doc.blocks)).toContain('{"text":"包老板","struck":true}');
    expect(text).not.toContain('居委会（0 人）');
  });

  it('[D19] the agenda as it ran: each phase with its start and end, phases never reached', () => {
    expectInOrder(text, ['议程执行情况', '环节 | 开始 | 结束', '开场 | 14:00 | 14:10', '议题集市 | 14:10 | 14:30', '排议程 | 14:30 | 15:00', '分组讨论 | 未进行 | —', '总结闭幕 | 未进行 | —']);
  });

  it('[D19] every topic with convener, group and time; earlier titles, merges, hidden, withdrawn and late topics marked', () => {
    expectInOrder(text, [
      '# | 议题 | 发起人 | 利益相关方 | 提出时间 | 备注',
      '1 | 停车难问题（原为：停车难） | 安大姐 | 居民 | 14:12 | —',
      '2 | 垃圾分类 | 包老板 | 商户 | 14:13 | 已撤回',
      '3 | 停车位太少 | 陈小三 | 居民 | 14:14 | 并入 #1「停车难问题」',
      '4 | 加装电梯 | 李大爷 | 居民 | 14:15 | 据纸条代录',
      '5 | 广场舞噪音 | 安大姐 | 居民 | 14:16 | 已被主持人隐藏',
      '6 | 会后补记的议题 | 赵先生 | — | 15:05 | 据纸条代录；会后补记',
      '合并记录',
      '#5「广场舞噪音」并入#2「垃圾分类」（14:18），已于 14:19 撤销',
      '#3「停车位太少」并入#1「停车难问题」（14:20）'
    ]);
    expect(JSON.stringify(doc.blocks)).toContain('{"text":"垃圾分类","struck":true}');
  });

  it('[D19] the notes as paragraphs, blank lines dropped', () => {
    expectInOrder(text, ['会议记录', '居民普遍反映停车难。', '下次会议继续讨论加装电梯。', '签字']);
    expect(doc.blocks.filter((b) => b.kind === 'paragraph')).toHaveLength(2);
  });

  it('[D19] the document matches its golden (fixtures/minutes-zh.json; UPDATE_GOLDEN=1 rewrites it)', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, JSON.stringify({ log, document: doc }, null, 1) + '\n');
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { log: LogEntry[]; document: RecordDocument };
    expect(golden.log).toEqual(log);
    expect(doc).toEqual(golden.document);
    // A function of the log alone.
    expect(buildMinutes(golden.log, { verifyUrl: 'https://yishi.example/m/meet0001/verify' })).toEqual(golden.document);
  });

  it('[D19] minutes made mid-meeting: the meeting and its current phase are in progress, the verify block names that entry; no notes is said', () => {
    const cut = log.findIndex((e) => e.event.type === 'topic.posted') + 1;
    const mid = buildMinutes(log.slice(0, cut), { verifyUrl: 'u' });
    const midText = lines(mid);
    expect(mid.blocks[1]).toMatchObject({ rows: expect.arrayContaining([{ label: '时间', value: '14:00 – 进行中' }, { label: '地点', value: '—' }]) });
    expectInOrder(midText, ['开场 | 14:00 | 14:10', '议题集市 | 14:10 | 进行中', '排议程 | 未进行 | —', '记录员没有填写记录。']);
    expect(mid.blocks.at(-1)).toMatchObject({ kind: 'verify', seq: cut, hash: log[cut - 1]!.hash });
    expect(mid.blocks.at(-2)).toEqual({ kind: 'signatures', rows: [{ role: '主持人', name: '' }, { role: '记录员', name: '' }], dateLabel: '日期' });
  });

  it('[D19] in English and another zone: the words and the times follow the meeting', () => {
    const en = buildMinutes(meeting('en', 'Europe/Berlin'), { verifyUrl: 'u' });
    const enText = lines(en);
    expect(en.title).toBe('Minutes: 滨河东里议事会');
    expect(en.blocks[1]).toMatchObject({ rows: expect.arrayContaining([{ label: 'Date', value: '1 Dec 2026' }, { label: 'Time', value: '07:00 – 08:00' }]) });
    expectInOrder(enText, [
      'Attendance',
      'Residents | 2 | 1 | 3',
      '陈小三 (was 小陈) | 07:03',
      '3 unnamed | 07:05 | paper',
      'Agenda as it ran',
      'Topic marketplace | 07:10 | 07:30',
      'Breakout sessions | not reached',
      '停车难问题 (was: 停车难)',
      'hidden by the facilitator',
      'Notes',
      'Signatures'
    ]);
  });

  it('[D19] a log from before meetings had a zone is written in Asia/Shanghai', () => {
    const old = log.map((entry) => {
      if (entry.event.type !== 'meeting.created') return entry;
      const { timeZone: _zone, ...event } = entry.event;
      return { ...entry, event };
    });
    expect(buildMinutes(old, { verifyUrl: 'u' }).blocks[1]).toEqual(doc.blocks[1]);
  });
});
