import { describe, expect, it } from 'vitest';
import { render, renderDocx } from '../src/index.ts';
import { hostile, minutes } from './fixture.ts';
import { docxText, firstOutOfOrder } from './tools.ts';

describe('DOCX', () => {
  it('opens as a zip whose document.xml holds the minutes in order', async () => {
    const { text } = docxText(await renderDocx(minutes));
    expect(
      firstOutOfOrder(text, [
        '滨河东里居民议事会 会议纪要',
        '日期：',
        '2026年12月1日 14:00–16:30',
        '记录员：',
        '李建国',
        '出席情况',
        '共 ',
        '23',
        ' 人参会，其中纸面登记 3 人。',
        '参与方',
        '参会者',
        '张桂芳、刘明、陈晓燕（纸面）、赵德胜',
        '议程',
        '分组讨论 14:50–16:00',
        '议题',
        '发起人',
        '楼道堆物清理与消防通道',
        '早点铺油烟扰民（并入第 5 号）',
        '小区停车收费（原题：停车难）',
        '餐饮油烟与营业时间',
        '合并与撤回',
        '第 6 号“广场舞音量”',
        '第 7 号议题已被主持人隐藏',
        '约定下周六集中清理。',
        '商户代表同意调整油烟净化设备。',
        '签字',
        '主持人：',
        '王秀兰',
        '签名：',
        '日期：',
        '核验本纪要',
        '条目编号：128',
        '哈希值：3f9a1c2e7b4d5e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7',
        '核验地址：https://yishi.example.org/m/meet0001/verify',
      ])
    ).toBeNull();
  });

  it('is A4 with East-Asian fonts, a repeated table header, a fixed table layout and a page-number footer', async () => {
    const bytes = await renderDocx(minutes);
    const { xml } = docxText(bytes);
    expect(xml).toMatch(/<w:pgSz w:w="11906" w:h="16838"/);
    expect(xml).toContain('<w:tblHeader/>');
    expect(xml).toContain('<w:tblLayout w:type="fixed"/>');
    expect(xml).toContain('<w:strike/>');
    const { unzipSync, strFromU8 } = await import('fflate');
    const files = unzipSync(bytes);
    const styles = strFromU8(files['word/styles.xml']!);
    expect(styles).toContain('w:eastAsia="SimSun"');
    const footer = Object.entries(files).find(([name]) => /^word\/footer\d*\.xml$/.test(name));
    expect(footer).toBeDefined();
    const footerXml = strFromU8(footer![1]);
    expect(footerXml).toContain('滨河东里居民议事会 · 核验：第 128 条 3f9a1c2e');
    expect(footerXml).toMatch(/第 <\/w:t>.*PAGE.*页 \/ 共 <\/w:t>.*NUMPAGES.*页<\/w:t>/s);
  });

  it('words its footer in English for an English meeting', async () => {
    const { unzipSync, strFromU8 } = await import('fflate');
    const files = unzipSync(await renderDocx({ ...minutes, language: 'en' }));
    const footer = Object.entries(files).find(([name]) => /^word\/footer\d*\.xml$/.test(name))!;
    expect(strFromU8(footer[1])).toMatch(/Page <\/w:t>.*PAGE.* of <\/w:t>.*NUMPAGES/s);
  });

  it('render() names the type and extension', async () => {
    const out = await render(minutes, 'docx');
    expect(out.contentType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(out.extension).toBe('docx');
    expect(Buffer.from(out.bytes.subarray(0, 2)).toString()).toBe('PK');
  });

  it('writes hostile input as escaped text and drops characters XML cannot hold', async () => {
    const { xml, text } = docxText(await renderDocx(hostile));
    expect(xml).not.toMatch(/<(script|img|i|b)[\s>]/);
    expect(xml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).toContain('*粗体* _斜体_ [链接](http://x.test) # 标题 > 引用 | 竖线 `代码` <b>加粗</b> &amp; ~删除~ !图');
    expect(text).toContain('表情 😀👍🏽👨‍👩‍👧❤️🇨🇳 ok');
    expect(text).toContain('议'.repeat(120));
    expect(text).toContain('x'.repeat(1000) + '长'.repeat(500));
    expect(text).toContain('控制字符');
    expect(xml).not.toMatch(/[\u0000\u0007]/);
  });
});
