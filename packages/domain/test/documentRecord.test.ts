import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildMinutes,
  buildVersionDocument,
  commandResult,
  documentRight,
  outlineBlocks,
  outlineOf,
  projectState,
  type Block,
  type LogEntry,
  type Outline,
  type ServerCommand,
  type TreeNode
} from '../src/index.ts';
import { BOARD, cmd, FACILITATOR, MeetingHarness, participant, SECRETARY } from './harness.ts';

/*
 * Documents in the record [D26, D27]: a named version as a document of its own, the minutes draft's
 * rights, and the minutes holding the drafts' text and the list of versions.
 */

const HASH = 'ab'.repeat(32);
const el = (element: string, children: TreeNode[] = [], attrs: Record<string, unknown> = {}): TreeNode => ({ element, attrs, children });
const txt = (text: string, marks: { bold?: true; italic?: true; href?: string } = {}): TreeNode => ({ runs: [{ text, ...marks }] });
const item = (...children: TreeNode[]) => el('listItem', children);

/** A charter in the editor's shape: two chapters, a section, three articles, a nested list, marks, a link. */
const CHARTER: Outline = outlineOf([
  el('heading', [txt('总则')], { level: 2 }),
  el('article', [txt('本会名称为'), txt('滨河东里商居联合会', { bold: true }), txt('。')], { id: 'art-a' }),
  el('article', [txt('本会宗旨：'), txt('共商共建', { italic: true }), txt('，详见'), txt('网站', { href: 'https://example.org/a' }), txt('。')], { id: 'art-b' }),
  el('heading', [txt('会员')], { level: 2 }),
  el('heading', [txt('入会')], { level: 3 }),
  el('article', [txt('会员须遵守章程。')], { id: 'art-c' }),
  el('orderedList', [item(el('paragraph', [txt('按时参会')]), el('bulletList', [item(el('paragraph', [txt('请假须说明')]))])), item(el('paragraph', [txt('缴纳会费')]))]),
  el('paragraph', []),
  el('paragraph', [txt('附：本章程自通过之日起施行。')])
]);

describe('a document outline as record blocks [D26]', () => {
  it('[D26] chapters and sections become headings, articles keep their numbers in bold, lists keep markers and depth, marks and links carry over, empty paragraphs go', () => {
    const blocks = outlineBlocks(CHARTER, 2);
    expect(blocks).toEqual<Block[]>([
      { kind: 'heading', level: 2, text: '第一章 总则' },
      { kind: 'paragraph', inlines: [{ text: '第一条', bold: true }, '\u3000', '本会名称为', { text: '滨河东里商居联合会', bold: true }, '。'] },
      { kind: 'paragraph', inlines: [{ text: '第二条', bold: true }, '\u3000', '本会宗旨：', { text: '共商共建', italic: true }, '，详见', { text: '网站', href: 'https://example.org/a' }, '。'] },
      { kind: 'heading', level: 2, text: '第二章 会员' },
      { kind: 'heading', level: 3, text: '第一节 入会' },
      { kind: 'paragraph', inlines: [{ text: '第三条', bold: true }, '\u3000', '会员须遵守章程。'] },
      { kind: 'list', ordered: true, items: [['按时参会'], ['请假须说明'], ['缴纳会费']], markers: ['1.', '•', '2.'], depths: [0, 1, 0] },
      { kind: 'paragraph', inlines: ['附：本章程自通过之日起施行。'] }
    ]);
  });

  it('[D26] inside the minutes chapters are level 3 and sections bold paragraphs', () => {
    const blocks = outlineBlocks(CHARTER, 3);
    expect(blocks[0]).toEqual({ kind: 'heading', level: 3, text: '第一章 总则' });
    expect(blocks[4]).toEqual({ kind: 'paragraph', inlines: [{ text: '第一节 入会', bold: true }] });
  });
});

/** A meeting with ann1 and bob2, a charter everyone edits with one version, and the log as the store keeps it. */
function meeting() {
  const h = MeetingHarness.created(['居民', '商户']);
  for (const p of ['ann1', 'bob2']) h.join(p);
  const created = h.must(cmd({ type: 'document.create', kind: 'charter', title: '联合会章程', access: 'everyone', editors: [] }), FACILITATOR);
  const docId = commandResult('document.create', created.events)!.docId as string;
  const record: ServerCommand = { type: 'document.version.record', commandId: 'cmd-ver1', docId, name: '章程 v3 征求意见稿', versionId: 'ver00001', contentHash: HASH, bytes: 812 };
  h.must(record, SECRETARY);
  return { h, docId };
}

/** The store's chain, faked: enough for the record, which prints an entry's seq and hash. */
function logOf(h: MeetingHarness): LogEntry[] {
  let prevHash = '0'.repeat(64);
  return h.log.map((entry) => {
    const hash = createHash('sha256').update(prevHash + JSON.stringify(entry)).digest('hex');
    const logged = { ...entry, actor: entry.actor!, commandId: null, prevHash, hash } as LogEntry;
    prevHash = hash;
    return logged;
  });
}

describe('a named version as a document [D26]', () => {
  it('[D26] title, version name, meeting, when and by whom, content hash, the numbered text, and the versioned entry with its hash and the verify address', () => {
    const { h, docId } = meeting();
    const log = logOf(h);
    const entry = log.at(-1)!;
    expect(entry.event.type).toBe('document.versioned');
    const doc = buildVersionDocument({ state: h.current, docId, versionId: 'ver00001', outline: CHARTER, entryHash: entry.hash, verifyUrl: 'https://yishi.example/verify/meet0001' })!;
    expect(doc.kind).toBe('version');
    expect(doc.title).toBe('联合会章程 · 章程 v3 征求意见稿');
    expect(doc.blocks[0]).toEqual({ kind: 'heading', level: 1, text: '联合会章程' });
    const fields = doc.blocks[1] as Extract<Block, { kind: 'fields' }>;
    expect(fields.rows.map((r) => r.label)).toEqual(['版本', '会议', '保存', '内容哈希']);
    expect(fields.rows[0]!.value).toBe('章程 v3 征求意见稿');
    expect(fields.rows[2]!.value).toMatch(/由记录员保存$/);
    expect(fields.rows[3]!.value).toBe(`SHA-256 ${HASH}`);
    expect(doc.blocks).toContainEqual({ kind: 'paragraph', inlines: [{ text: '第三条', bold: true }, '\u3000', '会员须遵守章程。'] });
    const verify = doc.blocks.at(-1) as Extract<Block, { kind: 'verify' }>;
    expect(verify).toMatchObject({ kind: 'verify', seq: entry.seq, hash: entry.hash, url: 'https://yishi.example/verify/meet0001' });
    expect(verify.text).toContain(HASH);
    expect(doc.footer).toBe(`联合会章程 · 章程 v3 征求意见稿 · 第 ${entry.seq} 条 · ${entry.hash.slice(0, 12)}`);
  });

  it('[D26] in an English meeting the document speaks English', () => {
    const h = new MeetingHarness();
    h.must({ type: 'meeting.create', meetingId: 'meet0001', joinCode: '123456', title: 'Riverside council', groups: ['居民'], language: 'en', templateId: 'open-space', timeZone: 'Europe/London' }, FACILITATOR);
    const created = h.must(cmd({ type: 'document.create', kind: 'charter', title: 'Charter', access: 'everyone', editors: [] }), FACILITATOR);
    const docId = commandResult('document.create', created.events)!.docId as string;
    h.must({ type: 'document.version.record', commandId: 'cmd-ver2', docId, name: 'v1 draft', versionId: 'ver00002', contentHash: HASH, bytes: 10 }, FACILITATOR);
    const doc = buildVersionDocument({ state: h.current, docId, versionId: 'ver00002', outline: CHARTER, entryHash: HASH, verifyUrl: 'u' })!;
    expect(doc.language).toBe('en');
    const fields = doc.blocks[1] as Extract<Block, { kind: 'fields' }>;
    expect(fields.rows.map((r) => r.label)).toEqual(['Version', 'Meeting', 'Saved', 'Content hash']);
    expect(fields.rows[2]!.value).toMatch(/ by the facilitator$/);
    expect((doc.blocks.at(-1) as Extract<Block, { kind: 'verify' }>).label).toBe('Verification');
    expect(doc.footer).toContain('entry 3');
  });

  it('[D26] an unknown version or document makes no document; an empty version says so', () => {
    const { h, docId } = meeting();
    const base = { state: h.current, outline: CHARTER, entryHash: HASH, verifyUrl: 'u' };
    expect(buildVersionDocument({ ...base, docId, versionId: 'nope0001' })).toBeNull();
    expect(buildVersionDocument({ ...base, docId: 'nope0001', versionId: 'ver00001' })).toBeNull();
    const empty = buildVersionDocument({ ...base, docId, versionId: 'ver00001', outline: { blocks: [] } })!;
    expect(empty.blocks[2]).toEqual({ kind: 'note', text: '这个版本没有内容。' });
  });
});

describe('the minutes draft [D26, D27]', () => {
  function withDraft() {
    const { h, docId } = meeting();
    const created = h.must(cmd({ type: 'document.create', kind: 'minutesDraft', title: '会议纪要草稿', access: 'everyone', editors: [] }), SECRETARY);
    const draftId = commandResult('document.create', created.events)!.docId as string;
    return { h, docId, draftId };
  }
  const view = (p: string) => ({ role: 'participant', participantId: p, breakoutGroup: null }) as const;

  it('[D26] staff write it; participants and the board have no right to it until the minutes are published, then read; unpublishing takes it back', () => {
    const { h, draftId } = withDraft();
    expect(documentRight(h.current, SECRETARY, draftId)).toBe('write');
    expect(documentRight(h.current, FACILITATOR, draftId)).toBe('write');
    expect(documentRight(h.current, BOARD, draftId)).toBe('none');
    // Its access says everyone: it does not matter for a draft.
    expect(documentRight(h.current, participant('ann1'), draftId)).toBe('none');
    expect(documentRight(projectState(h.current, view('ann1')), participant('ann1'), draftId)).toBe('none');
    expect(h.run(cmd({ type: 'board.document', docId: draftId, articleId: null }), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    h.must(cmd({ type: 'minutes.publish' }), FACILITATOR);
    expect(documentRight(h.current, participant('ann1'), draftId)).toBe('read');
    expect(documentRight(projectState(h.current, view('ann1')), participant('ann1'), draftId)).toBe('read');
    expect(documentRight(h.current, BOARD, draftId)).toBe('read');
    h.must(cmd({ type: 'minutes.unpublish' }), FACILITATOR);
    expect(documentRight(h.current, participant('bob2'), draftId)).toBe('none');
  });

  const notesOf = (blocks: Block[]): Block[] => {
    const start = blocks.findIndex((b) => b.kind === 'heading' && b.text === '会议记录');
    const end = blocks.findIndex((b, i) => i > start && b.kind === 'heading' && b.level === 2);
    return blocks.slice(start + 1, end);
  };

  it('[D27] the minutes hold the draft\'s text in the notes section, read at export time; without it, the "no notes" remark', () => {
    const { h, draftId } = withDraft();
    const log = logOf(h);
    expect(notesOf(buildMinutes(log, { verifyUrl: 'u' }).blocks)).toEqual([{ kind: 'note', text: '记录员没有填写记录。' }]);
    const draft = outlineOf([el('paragraph', [txt('会议决定：'), txt('成立筹备组', { bold: true })]), el('heading', [txt('讨论')], { level: 2 }), el('paragraph', [txt('大家同意。')])]);
    expect(notesOf(buildMinutes(log, { verifyUrl: 'u', drafts: new Map([[draftId, draft]]) }).blocks)).toEqual([
      { kind: 'paragraph', inlines: ['会议决定：', { text: '成立筹备组', bold: true }] },
      { kind: 'heading', level: 3, text: '第一章 讨论' },
      { kind: 'paragraph', inlines: ['大家同意。'] }
    ]);
  });

  it('[D27] typed notes stay first and the draft follows under its title', () => {
    const { h, draftId } = withDraft();
    h.must(cmd({ type: 'record.notes.set', notes: '早先的记录' }), SECRETARY);
    const draft = outlineOf([el('paragraph', [txt('草稿正文')])]);
    expect(notesOf(buildMinutes(logOf(h), { verifyUrl: 'u', drafts: new Map([[draftId, draft]]) }).blocks)).toEqual([
      { kind: 'paragraph', inlines: ['早先的记录'] },
      { kind: 'heading', level: 3, text: '会议纪要草稿' },
      { kind: 'paragraph', inlines: ['草稿正文'] }
    ]);
  });

  it('[D27] the minutes list the named versions of the other documents, with the log entry of each', () => {
    const { h } = withDraft();
    const log = logOf(h);
    const versioned = log.find((e) => e.event.type === 'document.versioned')!;
    const blocks = buildMinutes(log, { verifyUrl: 'u' }).blocks;
    const at = blocks.findIndex((b) => b.kind === 'heading' && b.text === '文件版本');
    expect(at).toBeGreaterThan(0);
    const table = blocks[at + 1] as Extract<Block, { kind: 'table' }>;
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0]![0]).toEqual(['联合会章程']);
    expect(table.rows[0]![1]).toEqual(['章程 v3 征求意见稿']);
    expect(table.rows[0]![3]).toEqual([`第 ${versioned.seq} 条`]);
    // Versions come before the notes.
    expect(at).toBeLessThan(blocks.findIndex((b) => b.kind === 'heading' && b.text === '会议记录'));
  });
});
