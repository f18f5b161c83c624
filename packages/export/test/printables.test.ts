import { describe, expect, it } from 'vitest';
import { renderPoster, renderSignInSheet, renderSignInSheets } from '../src/index.ts';
import { qrMatrix } from '../src/qr.ts';
import { decodeQr, pdffonts, pdftotext, squash, words, writeTemp } from './tools.ts';

describe('door poster', () => {
  const joinUrl = 'https://yishi.example.org/join/482913';

  it('prints the title, the code, the address and the steps in Chinese, with a QR code of the join address', async () => {
    const path = writeTemp(await renderPoster({ title: '滨河东里居民议事会', joinCode: '482913', joinUrl, language: 'zh-CN', hint: '现场无线网络：Binhe-Guest' }), 'pdf');
    const { pages } = words(path);
    expect(pages).toHaveLength(1);
    const text = squash(pdftotext(path, '-raw'));
    for (const s of ['滨河东里居民议事会', '用手机扫码加入会议', '会议码', '482913', joinUrl, '或在手机浏览器打开yishi.example.org，输入会议码', '1.扫描二维码', '现场无线网络：Binhe-Guest']) {
      expect(text).toContain(s);
    }
    expect(pdffonts(path)).toMatch(/\+NotoSansSC-Bold\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(decodeQr(path, 1)).toBe(joinUrl);
  });

  it('speaks English for an English meeting and keeps a 120-character title to one page', async () => {
    const path = writeTemp(await renderPoster({ title: 'Riverside '.repeat(12), joinCode: '000123', joinUrl, language: 'en' }), 'pdf');
    expect(words(path).pages).toHaveLength(1);
    const text = pdftotext(path);
    expect(text).toContain('Scan with your phone to join');
    expect(text).toContain('000123');
    expect(decodeQr(path, 1)).toBe(joinUrl);
  });

  it('draws the QR code from the qrcode matrix (version grows with the address)', () => {
    expect(qrMatrix(joinUrl)).toHaveLength(29); // version 3 at level M
    expect(qrMatrix(`${joinUrl}/${'x'.repeat(100)}`).length).toBeGreaterThan(29);
  });
});

describe('sign-in sheets', () => {
  it('gives each group its own pages, numbered within the group, with the columns on every page', async () => {
    const path = writeTemp(await renderSignInSheets({ title: '滨河东里居民议事会', date: '2026年12月1日', groups: ['居民', '商户', '居委会'], rows: 30, language: 'zh-CN' }), 'pdf');
    const pages = pdftotext(path, '-raw')
      .split('\f')
      .filter((p) => p.trim() !== '')
      .map(squash);
    // 30 rows of 30 pt take two pages per group.
    expect(pages).toHaveLength(6);
    const groups = ['居民', '居民', '商户', '商户', '居委会', '居委会'];
    pages.forEach((p, i) => {
      expect(p).toContain('滨河东里居民议事会');
      expect(p).toContain(`签到表参与方：${groups[i]}日期：2026年12月1日`);
      expect(p).toContain('序号姓名联系方式（选填）签名');
      expect(p).toContain(`第${(i % 2) + 1}页/共2页`);
    });
    expect(pages[1]).toContain('30');
  });

  it('prints one group in English', async () => {
    const path = writeTemp(await renderSignInSheet({ title: 'Riverside residents', date: '1 Dec 2026', group: 'Residents', rows: 5, language: 'en' }), 'pdf');
    const text = pdftotext(path, '-raw');
    expect(text).toContain('Sign-in sheet');
    expect(text).toContain('Group: Residents');
    expect(text).toMatch(/No\.\s+Name\s+Contact \(optional\)\s+Signature/);
    expect(text).toContain('Page 1 of 1');
  });
});
