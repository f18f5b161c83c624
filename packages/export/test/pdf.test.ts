import * as fontkit from 'fontkit';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FONT_FILES, render, renderPdf } from '../src/index.ts';
import { hostile, minutes } from './fixture.ts';
import { decodeQr, firstOutOfOrder, pdffonts, pdftotext, squash, words, writeTemp } from './tools.ts';

const A4 = { width: 595.28, height: 841.89 };
/** The page's margins in points (25 mm left, 20 mm right), less a point for rounding in pdftotext's boxes. */
const LEFT = (25 * 72) / 25.4 - 1;
const RIGHT = A4.width - (20 * 72) / 25.4 + 1;

describe('PDF', async () => {
  const path = writeTemp(await renderPdf(minutes), 'pdf');

  it('holds the minutes as Chinese text, in order', () => {
    const text = squash(pdftotext(path, '-raw'));
    const expected = [
      '滨河东里居民议事会会议纪要',
      '日期：',
      '2026年12月1日14:00–16:30',
      '地点：',
      '滨河东里社区活动室（3号楼一层）',
      '主持人：王秀兰',
      '记录员：李建国',
      '出席情况',
      '共23人参会，其中纸面登记3人。',
      '参与方人数参会者',
      '居民15张桂芳、刘明、陈晓燕（纸面）、赵德胜',
      '居委会3吴红梅、郑磊、冯静',
      '议程',
      '1.签到与开场14:00–14:10',
      '4.汇报与总结16:00–16:30',
      '议题',
      '编号议题发起人参与方',
      '1楼道堆物清理与消防通道张桂芳居民',
      '2早点铺油烟扰民（并入第5号）刘明居民',
      '3小区停车收费（原题：停车难）周强商户',
      '5餐饮油烟与营业时间孙丽商户',
      '合并与撤回',
      '第2号并入第5号',
      '第6号“广场舞音量”已由发起人撤回',
      '第7号议题已被主持人隐藏，此处仅记录其存在。',
      '记录员备注',
      '会议气氛热烈，居民对楼道堆物问题意见一致，约定下周六集中清理。',
      '商户代表同意调整油烟净化设备。',
      '签字',
      '主持人：王秀兰签名：日期：',
      '记录员：李建国签名：日期：',
      '核验本纪要',
      '条目编号：128',
      '哈希值：3f9a1c2e7b4d5e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7',
      '核验地址：https://yishi.example.org/m/meet0001/verify',
    ];
    expect(firstOutOfOrder(text, expected)).toBeNull();
  });

  it('embeds the CJK font as a subset (pdffonts: emb yes, sub yes) and no other', () => {
    const fonts = pdffonts(path).split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThan(0);
    for (const f of fonts) expect(f).toMatch(/^[A-Z]{6}\+NotoSans(SC-Regular|SC-Bold)\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(fonts.some((f) => f.includes('NotoSansSC-Regular'))).toBe(true);
    expect(fonts.some((f) => f.includes('NotoSansSC-Bold'))).toBe(true);
  });

  it('has a glyph in the embedded fonts for every character of the golden text', () => {
    const golden = readFileSync(new URL('./golden/minutes.md', import.meta.url), 'utf8');
    const regular = fontkit.openSync(FONT_FILES.regular);
    const bold = fontkit.openSync(FONT_FILES.bold);
    const missing = [...new Set(golden.replace(/\s/g, ''))].filter((c) => !regular.hasGlyphForCodePoint(c.codePointAt(0)!) || !bold.hasGlyphForCodePoint(c.codePointAt(0)!));
    expect(missing).toEqual([]);
  });

  it('numbers its A4 pages in the footer: 第 n 页 / 共 m 页, with the document footer', () => {
    const { pages } = words(path);
    expect(pages.length).toBe(2);
    for (const p of pages) expect([p.width, p.height]).toEqual([A4.width, A4.height]);
    const perPage = pdftotext(path).split('\f').map(squash);
    expect(perPage[0]).toContain('第1页/共2页');
    expect(perPage[1]).toContain('第2页/共2页');
    expect(perPage[1]).toContain('滨河东里居民议事会·核验：第128条3f9a1c2e');
  });

  it('numbers pages in English for an English meeting', async () => {
    const en = writeTemp(await renderPdf({ ...minutes, language: 'en' }), 'pdf');
    const pages = pdftotext(en).split('\f');
    expect(pages[0]).toContain('Page 1 of 2');
    expect(pages[1]).toContain('Page 2 of 2');
    expect(pages[1]).toContain('Entry no.: 128');
  });

  it('prints a QR code of the verify address that a reader decodes', () => {
    expect(decodeQr(path, 2)).toBe('https://yishi.example.org/m/meet0001/verify');
  });

  it('render() names the type and extension', async () => {
    const out = await render(minutes, 'pdf');
    expect(out.contentType).toBe('application/pdf');
    expect(out.extension).toBe('pdf');
    expect(Buffer.from(out.bytes.subarray(0, 5)).toString()).toBe('%PDF-');
  });

  it('repeats a table header on every page a long table runs onto', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => [[`第${i + 1}号`], [`议题标题${i + 1}`]]);
    const long = writeTemp(await renderPdf({ ...minutes, blocks: [{ kind: 'table', header: ['编号', '议题名称'], rows }] }), 'pdf');
    const pages = pdftotext(long, '-raw').split('\f').filter((p) => p.trim() !== '');
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const p of pages) expect(squash(p)).toContain('编号议题名称');
    expect(squash(pages.join(''))).toContain('第120号议题标题120');
  });

  describe('hostile input', async () => {
    const hostilePath = writeTemp(await renderPdf(hostile), 'pdf');
    const text = pdftotext(hostilePath, '-raw');
    const flat = squash(text);

    it('prints HTML and Markdown controls as the text they are', () => {
      expect(flat).toContain('地点<script>：<script>alert(1)</script>');
      expect(flat).toContain('*粗体*_斜体_[链接](http://x.test)#标题>引用|竖线`代码`<b>加粗</b>&amp;~删除~!图');
    });

    it('draws emoji with Noto Emoji (embedded) and a character no font has as [U+XXXX]', async () => {
      expect(text).toContain('表情 😀👍');
      expect(text).toContain('👨‍👩‍👧');
      expect(pdffonts(hostilePath)).toMatch(/\+NotoEmoji-Regular\s+CID TrueType\s+Identity-H\s+yes yes yes/);
      const pua = writeTemp(await renderPdf({ ...minutes, blocks: [{ kind: 'paragraph', inlines: ['私用\uE000区'] }] }), 'pdf');
      expect(squash(pdftotext(pua))).toContain('私用[U+E000]区');
    });

    it('keeps every character of the 120-character title and the 2,000-character line', () => {
      expect(flat).toContain('议'.repeat(120));
      // The paragraph runs onto the next page: take out the footer drawn between its lines.
      const body = flat.replace(/第\d+页\/共\d+页(页脚)+…/g, '');
      expect(body).toContain(`${'x'.repeat(1000)}${'长'.repeat(500)}https://example.org/${'a/'.repeat(240)}`);
      // The paragraph and the table cell (split across pages, between repeated headers).
      expect([...flat.matchAll(/x{2,}/g)].reduce((n, m) => n + m[0].length, 0)).toBe(2000);
      expect(body).toContain('长'.repeat(500));
    });

    it('cuts the long footer to one line and still numbers the pages', () => {
      const pages = pdftotext(hostilePath).split('\f').filter((p) => p.trim() !== '').map(squash);
      pages.forEach((p, i) => expect(p).toContain(`第${i + 1}页/共${pages.length}页`));
      expect(text).toContain('页脚页脚');
      expect(text).toContain('…');
    });

    it('wraps everything inside the margins: no word runs off the page', () => {
      const { pages, words: found } = words(hostilePath);
      expect(pages.length).toBeGreaterThan(1);
      expect(found.length).toBeGreaterThan(100);
      const outside = found.filter((w) => w.xMin < LEFT || w.xMax > RIGHT || w.yMin < 0 || w.yMax > A4.height);
      expect(outside.map((w) => `${w.page}: ${w.text.slice(0, 20)} ${w.xMin}–${w.xMax}`)).toEqual([]);
    });
  });
});
