import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMarkdown, render } from '../src/index.ts';
import { hostile, minutes } from './fixture.ts';

const GOLDEN = new URL('./golden/minutes.md', import.meta.url);

describe('Markdown', () => {
  it('renders the fixture minutes exactly as the golden file', () => {
    const md = renderMarkdown(minutes);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, md);
    expect(md).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('render() returns the same text as UTF-8 bytes with its content type', async () => {
    const out = await render(minutes, 'md');
    expect(out.contentType).toBe('text/markdown; charset=utf-8');
    expect(out.extension).toBe('md');
    expect(new TextDecoder().decode(out.bytes)).toBe(renderMarkdown(minutes));
  });

  it('keeps bold next to Chinese punctuation working (a space where CommonMark needs one)', () => {
    const md = renderMarkdown(minutes);
    expect(md).toContain('共 **23** 人参会');
    expect(md).toContain('**第 6 号“广场舞音量”** 已由发起人撤回');
  });

  describe('hostile input comes out as text, not markup', () => {
    const md = renderMarkdown(hostile);
    const lines = md.split('\n');

    it('escapes HTML: no raw tag survives', () => {
      // A `<` opens HTML only when not escaped.
      expect(md).not.toMatch(/(?<!\\)<(script|b|i|img)\b/i);
      expect(md).toContain('\\<script\\>alert\\(1\\)\\</script\\>');
      expect(md).toContain('\\<img src=x onerror=alert\\(3\\)\\>');
    });

    it('escapes Markdown controls and entities', () => {
      expect(md).toContain('\\*粗体\\* \\_斜体\\_ \\[链接\\]\\(http://x.test\\) \\# 标题 \\> 引用 \\| 竖线 \\`代码\\`');
      expect(md).toContain('\\&amp;');
      expect(md).toContain('\\~删除\\~ \\!图');
      expect(md).toContain('- \\*\\*星号\\*\\*');
    });

    it('escapes what starts a line: list markers, numbers, headings, setext underlines, indentation', () => {
      for (const l of ['\\- 列表\\', '1\\. 编号\\', '\\# 标题\\', '缩进\\', '\\+ 加号\\', '\\=====\\', '\\---']) expect(lines).toContain(l);
    });

    it('keeps a table a table: `|` and newlines in cells escaped', () => {
      expect(md).toContain('| a\\|b | \\<i\\>x\\</i\\> |');
      expect(md).toContain('| 多行<br>单元格 \\| 竖线 | \\<script\\>alert\\(2\\)\\</script\\> |');
      // Every table line has exactly its column count of unescaped pipes.
      const start = lines.findIndex((l) => l.startsWith('| a'));
      for (const l of lines.slice(start, start + 4)) {
        expect(l.replace(/\\\|/g, '').split('|').length - 1).toBe(3);
      }
    });

    it('keeps emoji, long lines and the 120-character title whole; drops control characters', () => {
      expect(md).toContain('表情 😀👍🏽👨‍👩‍👧❤️🇨🇳 ok');
      expect(md).toContain('x'.repeat(1000) + '长'.repeat(500));
      expect(lines[0]).toBe(`# ${'议'.repeat(120)}`);
      expect(md).toContain('- 控制字符');
      expect(md).not.toMatch(/[\u0000\u0007]/);
    });

    it('writes an address with `<` in it as escaped text, not an autolink', () => {
      expect(md).toContain('https://example.org/verify?x=\\<y\\>');
    });
  });
});
