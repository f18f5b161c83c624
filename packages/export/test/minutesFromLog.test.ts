import * as fontkit from 'fontkit';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMinutes, type LogEntry } from '@yishi/domain';
import { FONT_FILES, render } from '../src/index.ts';
import { docxText, firstOutOfOrder, pdffonts, pdftotext, squash, writeTemp } from './tools.ts';

/*
 * The whole path an export takes, golden: a fixed meeting's log (the domain's minutes fixture: joins in
 * two groups, paper participants by name and by count, topics with an edit, a merge and an undone one,
 * a hidden and a withdrawn topic, a slip entered by staff and one after the end, three phases, the
 * desk's details and notes) through the domain's `buildMinutes` and each renderer.
 */
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../domain/test/fixtures/minutes-zh.json'), 'utf8')) as { log: LogEntry[] };
const VERIFY_URL = 'http://192.168.1.20:3000/verify/meet0001';
const doc = buildMinutes(fixture.log, { verifyUrl: VERIFY_URL });
const last = fixture.log.at(-1)!;
const GOLDEN = join(import.meta.dirname, 'golden/minutes-from-log.md');

/** What the minutes say, in print order, as a reader would check a printed copy. */
const EXPECTED = [
  '会议纪要：滨河东里议事会',
  '日期',
  '2026年12月1日',
  '地点',
  '滨河东里社区活动室',
  '主持人',
  '李主持',
  '记录员',
  '张记录',
  '出席情况',
  '居民',
  '安大姐',
  '陈小三（原名：小陈）',
  '王阿姨',
  '纸质登记',
  '商户',
  '包老板',
  '已移出',
  '未具名3人',
  '议程执行情况',
  '开场',
  '议题集市',
  '排议程',
  '未进行',
  '议题',
  '停车难问题',
  '原为：停车难',
  '垃圾分类',
  '已撤回',
  '停车位太少',
  '并入',
  '加装电梯',
  '据纸条代录',
  '广场舞噪音',
  '已被主持人隐藏',
  '会后补记的议题',
  '会后补记',
  '合并记录',
  '已于14:19撤销',
  '会议记录',
  '居民普遍反映停车难。',
  '下次会议继续讨论加装电梯。',
  '签字',
  '主持人',
  '记录员',
  String(last.seq),
  last.hash,
  VERIFY_URL
];

describe('minutes from a meeting log', () => {
  it('Markdown matches the golden file', async () => {
    const md = new TextDecoder().decode((await render(doc, 'md')).bytes);
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, md);
    expect(md).toBe(readFileSync(GOLDEN, 'utf8'));
    expect(firstOutOfOrder(squash(md.replace(/[\\*~`|]/g, '')), EXPECTED.map(squash))).toBeNull();
  });

  it('DOCX opens and its document.xml holds the minutes in order', async () => {
    const { text } = docxText((await render(doc, 'docx')).bytes);
    expect(firstOutOfOrder(squash(text), EXPECTED.map(squash))).toBeNull();
  });

  it('PDF holds the minutes as Chinese text in order, with the CJK font embedded and no glyph missing', async () => {
    const path = writeTemp((await render(doc, 'pdf')).bytes, 'pdf');
    const text = squash(pdftotext(path, '-raw'));
    // The hash may wrap across lines in print; squash() joins it again.
    expect(firstOutOfOrder(text, EXPECTED.map(squash))).toBeNull();
    const fonts = pdffonts(path);
    expect(fonts).toMatch(/NotoSansSC-Regular\s.*\byes\s+yes\s+yes\b/);
    const regular = fontkit.openSync(FONT_FILES.regular) as unknown as { hasGlyphForCodePoint(c: number): boolean };
    const missing = [...new Set([...EXPECTED.join('')])].filter((ch) => !regular.hasGlyphForCodePoint(ch.codePointAt(0)!));
    expect(missing).toEqual([]);
  });
});
