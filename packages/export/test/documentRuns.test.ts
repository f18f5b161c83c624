import { unzipSync, strFromU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { RecordDocument } from '@yishi/domain';
import { renderDocx, renderMarkdown, renderPdf } from '../src/index.ts';
import { docxText, firstOutOfOrder, pdftotext, writeTemp } from './tools.ts';

/*
 * What a co-edited document brings to the record [D26]: italic and linked runs, and lists that carry their
 * own markers and depth. A link is made only of an http, https or mailto address; anything else stays text.
 */

const doc: RecordDocument = {
  kind: 'version',
  language: 'zh-CN',
  title: '联合会章程 · v3',
  footer: '联合会章程 · v3 · 第 9 条',
  blocks: [
    { kind: 'heading', level: 1, text: '联合会章程' },
    { kind: 'heading', level: 2, text: '第一章 总则' },
    { kind: 'paragraph', inlines: [{ text: '第一条', bold: true }, '\u3000', '宗旨：', { text: '共商共建', italic: true }, '，详见', { text: '网站', href: 'https://example.org/a?x=1&y=(2)' }, '。'] },
    { kind: 'paragraph', inlines: [{ text: '第二条', bold: true }, '\u3000', '坏链接', { text: '点我', href: 'javascript:alert(1)' }, '和', { text: '粗斜', bold: true, italic: true }, '。'] },
    { kind: 'list', ordered: true, items: [['按时参会'], ['请假须说明'], ['并写明理由'], ['缴纳会费']], markers: ['3.', '•', '', '4.'], depths: [0, 1, 1, 0] }
  ]
};

describe('document runs and lists in the three formats [D26]', () => {
  it('[D26] Markdown: italic, bold italic, a safe link with its address kept whole, an unsafe one as text; nested list markers as given', () => {
    const md = renderMarkdown(doc);
    expect(md).toContain('**第一条**\u3000宗旨：*共商共建*，详见[网站](<https://example.org/a?x=1&y=(2)>)。');
    expect(md).toContain('坏链接点我和***粗斜***。');
    expect(md).not.toContain('javascript');
    expect(md).toContain('3. 按时参会\n   - 请假须说明\n\n     并写明理由\n4. 缴纳会费');
  });

  it('[D26] DOCX: italics, a hyperlink relationship for the safe link only, list markers in order', async () => {
    const bytes = await renderDocx(doc);
    const { xml, text } = docxText(bytes);
    expect(xml).toContain('<w:i/>');
    expect(xml).toMatch(/<w:hyperlink [^>]*r:id="[^"]+"/);
    const rels = strFromU8(unzipSync(bytes)['word/_rels/document.xml.rels']!);
    expect(rels).toContain('https://example.org/a?x=1&amp;y=(2)');
    expect(rels).not.toContain('javascript');
    expect(firstOutOfOrder(text, ['第一条', '共商共建', '网站', '第二条', '点我', '3.', '按时参会', '•', '请假须说明', '并写明理由', '4.', '缴纳会费'])).toBeNull();
  });

  it('[D26] PDF: the text in order, a link annotation for the safe address only', async () => {
    const bytes = await renderPdf(doc);
    const text = pdftotext(writeTemp(bytes, 'pdf'));
    expect(firstOutOfOrder(text.replace(/\s+/g, ''), ['第一章总则', '第一条', '共商共建', '网站', '第二条', '点我', '3.', '按时参会', '请假须说明', '并写明理由', '4.', '缴纳会费'])).toBeNull();
    const raw = Buffer.from(bytes).toString('latin1');
    expect(raw).toContain('/URI (https://example.org/a?x=1&y=\\(2\\))');
    expect(raw).not.toContain('javascript');
  });
});
