import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { connected, createDocument, createMeeting } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { hallSession } from './hall.ts';
import { axeViolations, meetingPages } from './pages.ts';

/**
 * The charter editor (issue 10, item 2): the facilitator's laptop and a 360 px phone open the same
 * charter from their document lists and co-edit it over /yjs; articles are numbered 第N条 by position
 * and renumbered on both screens when one is inserted above, their ids kept; a participant who may only
 * read gets the text without a toolbar and cannot type; and whatever a writer pushes straight into the
 * Yjs document (a javascript: link, on* attributes, img/script/iframe elements) renders inert.
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots/charter');
const session = hallSession({ shots: SHOTS });
const pages = meetingPages(session);
const { keep } = session;
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

const editor = (page: Page) => page.locator('[data-testid=doc-editor]');
/** Text without other people's carets (their name labels sit inside the text). */
const articles = (page: Page) =>
  editor(page)
    .locator('p.article')
    .evaluateAll((ps) =>
      ps.map((p) => {
        const copy = p.cloneNode(true) as Element;
        for (const caret of copy.querySelectorAll('.collab-caret')) caret.remove();
        return { n: p.getAttribute('data-number'), id: p.getAttribute('data-article-id'), text: copy.textContent };
      })
    );
const text = (page: Page) =>
  editor(page).evaluate((el) => {
    const copy = el.cloneNode(true) as Element;
    for (const caret of copy.querySelectorAll('.collab-caret')) caret.remove();
    return copy.textContent ?? '';
  });
const numbers = async (page: Page) => (await articles(page)).map((a) => a.n);
const synced = (page: Page) => page.locator('[data-testid=doc-sync][data-synced=true]').waitFor();

async function openFromList(page: Page, list: string, docId: string): Promise<void> {
  await page.locator(`[data-testid=${list}] [data-doc-id="${docId}"] [data-testid=document-open]`).click();
  await page.waitForURL(`**/d/${docId}**`);
  await editor(page).waitFor();
  await synced(page);
}

describe('the charter editor', () => {
  test('laptop and phone co-edit a charter: skeleton, typing both ways, live renumbering with stable ids, carets; read-only without a toolbar; injected markup inert; axe clean', { timeout: 120_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '联合会章程（草案）', 'everyone');

    const laptop = await pages.console(created);
    await openFromList(laptop, 'documents-panel', docId);
    const phone = await pages.phone(created, '安阿姨', '居民');
    await openFromList(phone, 'document-list', docId);
    expect(await phone.locator('[data-testid=doc-title]').textContent()).toBe('联合会章程（草案）');

    // The skeleton is offered to a writer while the document is empty; the laptop inserts it.
    await phone.locator('[data-testid=doc-skeleton-insert]').waitFor();
    await laptop.locator('[data-testid=doc-skeleton-insert]').click();
    const five = ['第一条', '第二条', '第三条', '第四条', '第五条'];
    await expect.poll(() => numbers(laptop)).toEqual(five);
    await expect.poll(() => numbers(phone)).toEqual(five);
    await expect.poll(() => editor(phone).locator('h2').allTextContents()).toEqual(['总则', '组织机构', '会员', '议事规则', '附则']);
    expect(await phone.locator('[data-testid=doc-skeleton]').count()).toBe(0);
    const before = await articles(laptop);
    expect(new Set(before.map((a) => a.id)).size).toBe(5);
    expect(before.every((a) => /^a[0-9a-f]{16}$/.test(a.id ?? ''))).toBe(true);
    expect((await articles(phone)).map((a) => a.id)).toEqual(before.map((a) => a.id));

    // The phone types into the second article; the laptop sees it. And the other way round.
    await editor(phone).locator('p.article').nth(1).click();
    await phone.keyboard.press('End');
    await phone.keyboard.type('理事会每届三年。');
    await expect.poll(async () => (await articles(laptop))[1]?.text).toContain('理事会每届三年。');
    await editor(laptop).locator('p.article').nth(0).click();
    await laptop.keyboard.press('End');
    await laptop.keyboard.type('简称联合会。');
    await expect.poll(async () => (await articles(phone))[0]?.text).toContain('简称联合会。');

    // Each sees the other's caret with their name.
    await expect.poll(() => phone.locator('.collab-caret-label').allTextContents()).toContain('主持人');
    await expect.poll(() => laptop.locator('.collab-caret-label').allTextContents()).toContain('安阿姨');

    // An article inserted after the first: the one that was 第二条 becomes 第三条 on both screens, ids kept.
    await laptop.keyboard.press('Enter');
    await laptop.locator('[data-testid=tool-article]').click();
    await expect.poll(() => editor(laptop).evaluate((el) => el === document.activeElement)).toBe(true);
    await laptop.keyboard.type('本会办公地点设在滨河东里。');
    const six = ['第一条', '第二条', '第三条', '第四条', '第五条', '第六条'];
    await expect.poll(() => numbers(phone)).toEqual(six);
    await expect.poll(() => numbers(laptop)).toEqual(six);
    for (const page of [laptop, phone]) {
      await expect.poll(async () => (await articles(page))[1]?.text).toBe('本会办公地点设在滨河东里。');
      const after = await articles(page);
      expect(after[1]?.text).toBe('本会办公地点设在滨河东里。');
      expect(after[2]).toMatchObject({ n: '第三条', id: before[1]!.id });
      expect(after[2]?.text).toContain('理事会每届三年。');
      expect(after.filter((_, i) => i !== 1).map((a) => a.id)).toEqual(before.map((a) => a.id));
      expect(new Set(after.map((a) => a.id)).size).toBe(6);
    }

    // Looked at: the phone at 360 px and the laptop, while co-editing.
    await shot(phone, 'phone-charter-360x740');
    await shot(laptop, 'laptop-charter-1366x768');
    expect(await axeViolations(phone)).toEqual([]);
    expect(await axeViolations(laptop)).toEqual([]);

    // A toolbar that fits: buttons at least 44 px and inside 360 px; text at least 16 px.
    const boxes = await phone.locator('[data-testid=doc-toolbar] button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height, right: r.right })));
    expect(boxes.length).toBeGreaterThan(5);
    for (const b of boxes) {
      expect(b.w).toBeGreaterThanOrEqual(44);
      expect(b.h).toBeGreaterThanOrEqual(44);
      expect(b.right).toBeLessThanOrEqual(360);
    }
    expect(await editor(phone).evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(16);

    // Markup written straight into the Yjs document by a writer's own client renders inert.
    const writer = yjsClient(session.hall.url, created.meetingId, docId, created.facilitatorToken);
    keep({ close: () => writer.provider.destroy() });
    await writer.synced();
    writer.doc.transact(() => {
      const fragment = writer.doc.getXmlFragment('default');
      const link = new Y.XmlElement('paragraph');
      const img = new Y.XmlElement('img');
      const script = new Y.XmlElement('script');
      const iframe = new Y.XmlElement('iframe');
      const article = new Y.XmlElement('article');
      fragment.insert(fragment.length, [link, img, script, iframe, article]);
      link.setAttribute('onclick', 'window.__pwned = 1');
      const text = new Y.XmlText();
      link.insert(0, [text]);
      text.insert(0, '恶意链接一', { link: { href: 'javascript:window.__pwned=1' } });
      text.insert(text.length, ' ');
      text.insert(text.length, '恶意链接二', { link: { href: '  JaVaScRiPt:window.__pwned=2', onclick: 'window.__pwned=3' } });
      text.insert(text.length, ' ');
      text.insert(text.length, '恶意链接三', { link: { href: 'java&#115;cript:window.__pwned=4' } });
      img.setAttribute('src', 'x');
      img.setAttribute('onerror', 'window.__pwned = 5');
      script.insert(0, [new Y.XmlText('window.__pwned = 6')]);
      iframe.setAttribute('src', 'javascript:window.__pwned=7');
      article.setAttribute('id', '"><img src=x onerror="window.__pwned=8">');
      article.insert(0, [new Y.XmlText('注入的条文')]);
    });
    for (const page of [laptop, phone]) {
      await expect.poll(() => text(page)).toContain('恶意链接三');
      await expect.poll(() => text(page)).toContain('注入的条文');
      // Clicked: with its href gone, nothing runs (carets may sit inside the link's text).
      await editor(page).locator('a').first().click();
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      const hrefs = await editor(page).locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
      expect(hrefs.length).toBeGreaterThan(0);
      expect(hrefs.filter((h) => /script:/i.test(h.replace(/[\s\u0000-\u001f]/g, '')))).toEqual([]);
      expect(await editor(page).locator('img, script, iframe, [onclick], [onerror]').count()).toBe(0);
      expect(await editor(page).locator('p.article').last().getAttribute('data-article-id')).toBeNull();
    }

    // The charter becomes read-only for participants: the phone's toolbar goes at once and it cannot type.
    const facilitator = keep(await connected(session.hall.url, created.facilitatorToken));
    expect(await facilitator.send({ type: 'document.access.set', docId, access: 'readonly', editors: [] })).toMatchObject({ ok: true });
    await phone.locator('[data-testid=doc-toolbar]').waitFor({ state: 'detached' });
    expect(await editor(phone).getAttribute('contenteditable')).toBe('false');

    // Another participant opens it read-only: the text, no toolbar, no skeleton, typing changes nothing.
    const reader = await pages.phone(created, '薄老板', '商户');
    await openFromList(reader, 'document-list', docId);
    expect(await reader.locator('[data-testid=doc-right]').textContent()).toContain('只读');
    await expect.poll(() => numbers(reader)).toEqual([...six, '第七条']);
    expect(await reader.locator('[data-testid=doc-toolbar]').count()).toBe(0);
    expect(await editor(reader).getAttribute('contenteditable')).toBe('false');
    const textBefore = await text(reader);
    await editor(reader).locator('p.article').first().click();
    await reader.keyboard.type('不该出现');
    expect(await text(reader)).toBe(textBefore);
    expect(await text(laptop)).not.toContain('不该出现');
    await shot(reader, 'phone-readonly-360x740');
    expect(await axeViolations(reader)).toEqual([]);
  });

  test('two phones type pinyin into the same article at once: each composition commits whole, no stray letters, both see it and each other\'s caret', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '联合会章程（草案）', 'everyone');
    const a = await pages.phone(created, '安阿姨', '居民');
    await openFromList(a, 'document-list', docId);
    const b = await pages.phone(created, '薄老板', '商户');
    await openFromList(b, 'document-list', docId);

    // A phone starts from the skeleton; the other's offer goes away (it is offered once per document).
    await a.locator('[data-testid=doc-skeleton-insert]').click();
    const five = ['第一条', '第二条', '第三条', '第四条', '第五条'];
    await expect.poll(() => numbers(b)).toEqual(five);
    await b.locator('[data-testid=doc-skeleton]').waitFor({ state: 'detached' });
    const third = (page: Page) => articles(page).then((all) => all[2]?.text ?? '');
    const start = await third(a);

    // Both put their caret at the end of 第三条.
    for (const page of [a, b]) {
      await editor(page).locator('p.article').nth(2).click();
      await page.keyboard.press('End');
    }
    const ime = async (page: Page) => {
      const cdp = await page.context().newCDPSession(page);
      return {
        /** Each key of the pinyin shows as the candidate text, as an input method shows it while composing. */
        compose: async (pinyin: string) => {
          for (let i = 1; i <= pinyin.length; i++) await cdp.send('Input.imeSetComposition', { text: pinyin.slice(0, i), selectionStart: i, selectionEnd: i });
        },
        commit: (text: string) => cdp.send('Input.insertText', { text })
      };
    };
    a.on('console', (msg) => console.log('A>', msg.text()));
    const imeA = await ime(a);
    const imeB = await ime(b);
    // A is still composing when B composes and commits in the same spot; then A commits. Neither's
    // pinyin letters reach the other (they would get entangled and leave a stray letter), and B's word
    // reaches A once A's is committed (a remote edit in the paragraph would break the composition).
    await imeA.compose('huiyuan');
    await imeB.compose('dahui');
    await imeB.commit('大会');
    await expect.poll(() => third(b)).toContain('大会');
    // A's letters never left A's phone: only a committed word is shared.
    expect(await third(b)).not.toMatch(/[a-z]/i);
    await imeA.compose('huiyuandaibiao');
    await imeA.commit('会员代表');
    for (const page of [a, b]) {
      await expect.poll(() => third(page)).toContain('会员代表');
      await expect.poll(() => third(page)).toContain('大会');
      const text = await third(page);
      // Nothing of the pinyin is left, and nothing else was added.
      expect(text).not.toMatch(/[a-z]/i);
      expect(text.length).toBe(start.length + '大会'.length + '会员代表'.length);
    }
    expect(await third(a)).toBe(await third(b));
    // Each sees the other's caret with their name.
    await expect.poll(() => a.locator('.collab-caret-label').allTextContents()).toContain('薄老板');
    await expect.poll(() => b.locator('.collab-caret-label').allTextContents()).toContain('安阿姨');
    await shot(a, 'phone-pinyin-a-360x740');
    await shot(b, 'phone-pinyin-b-360x740');
  });
});
