import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { createDocument, createMeeting } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { hallSession } from './hall.ts';
import { axeViolations, meetingPages } from './pages.ts';

/**
 * Named versions on the document page and the document on the board (issue 10, items 3 and 4): the
 * facilitator saves "章程 v1 征求意见稿" and edits on; a phone lists the version and views it read-only
 * (the v1 text, not the later edit); the facilitator shows the charter on the board in place of the
 * topic wall, large, follows the article under discussion, and takes it down again [D22, D23].
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots/boarddoc');
const session = hallSession({ shots: SHOTS });
const pages = meetingPages(session);
const { keep } = session;
const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });

const editor = (page: Page) => page.locator('[data-testid=doc-editor]');
const synced = (page: Page) => page.locator('[data-testid=doc-sync][data-synced=true]').waitFor();
const readonlyText = (page: Page, scope: string) => page.locator(`[data-testid=${scope}] [data-testid=doc-readonly]`).textContent();

async function openFromList(page: Page, list: string, docId: string): Promise<void> {
  await page.locator(`[data-testid=${list}] [data-doc-id="${docId}"] [data-testid=document-open]`).click();
  await page.waitForURL(`**/d/${docId}**`);
  await editor(page).waitFor();
  await synced(page);
}

/** Whether the board's article with this id is within the visible part of the document's scroll box. */
const inView = (board: Page, articleId: string) =>
  board.locator('[data-testid=board-document] .paper').evaluate((box, id) => {
    const el = box.querySelector(`[data-article-id="${id}"]`);
    if (!el) return false;
    const a = box.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return r.top >= a.top - 1 && r.top < a.bottom - 20;
  }, articleId);

describe('versions and the document on the board', () => {
  test('save a named version, list and view it on a phone; show the charter on the board, large, following an article; take it down', { timeout: 150_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '联合会章程（草案）', 'everyone');

    // The facilitator writes in the charter and saves version 1.
    const laptop = await pages.console(created);
    await openFromList(laptop, 'documents-panel', docId);
    expect(await laptop.locator('[data-testid=ver-none]').count()).toBe(1);
    await laptop.locator('[data-testid=doc-skeleton-insert]').click();
    await editor(laptop).locator('p.article').first().click();
    await laptop.keyboard.press('End');
    await laptop.keyboard.type('简称联合会。');
    await laptop.locator('[data-testid=ver-name]').fill('章程 v1 征求意见稿');
    await laptop.locator('[data-testid=ver-save]').click();
    await laptop.locator('[data-testid=ver-saved]').waitFor();
    await expect.poll(() => laptop.locator('[data-testid=ver-item] [data-testid=ver-name-text]').allTextContents()).toEqual(['章程 v1 征求意见稿']);
    expect(await laptop.locator('[data-testid=ver-by]').allTextContents()).toEqual(['主持人']);

    // … and edits further.
    await editor(laptop).locator('p.article').nth(1).click();
    await laptop.keyboard.press('End');
    await laptop.keyboard.type('后来的修改。');

    // A phone lists the version (without who saved it: that is for staff) and views it: the v1 text, not the later edit.
    const phone = await pages.phone(created, '安阿姨', '居民');
    await openFromList(phone, 'document-list', docId);
    await expect.poll(async () => (await editor(phone).textContent()) ?? '').toContain('后来的修改。');
    const item = phone.locator('[data-testid=ver-item]');
    await expect.poll(() => item.locator('[data-testid=ver-name-text]').allTextContents()).toEqual(['章程 v1 征求意见稿']);
    expect(await phone.locator('[data-testid=ver-by]').count()).toBe(0);
    await phone.locator('[data-testid=ver-list]').scrollIntoViewIfNeeded();
    await shot(phone, 'phone-versions-360x740');
    await item.locator('[data-testid=ver-view]').click();
    await phone.locator('[data-testid=ver-viewer] [data-testid=doc-readonly]').waitFor();
    await expect.poll(async () => (await readonlyText(phone, 'ver-viewer')) ?? '').toContain('简称联合会。');
    expect(await readonlyText(phone, 'ver-viewer')).not.toContain('后来的修改。');
    expect(await phone.locator('[data-testid=ver-viewer] [data-testid=doc-readonly]').getAttribute('contenteditable')).toBe('false');
    expect(await phone.locator('[data-testid=ver-viewer] p.article').first().getAttribute('data-number')).toBe('第一条');
    // The page brings the version's heading into view.
    await expect.poll(() => phone.locator('[data-testid=ver-viewing]').evaluate((el) => el.getBoundingClientRect().top >= 0 && el.getBoundingClientRect().bottom <= innerHeight)).toBe(true);
    await shot(phone, 'phone-version-view-360x740');
    expect(await axeViolations(phone)).toEqual([]);
    // Buttons fit a phone: at least 44 px and inside 360 px.
    for (const b of await phone.locator('[data-testid=doc-versions] button').evaluateAll((bs) => bs.map((x) => x.getBoundingClientRect()).map((r) => ({ h: r.height, w: r.width, right: r.right })))) {
      expect(b.h).toBeGreaterThanOrEqual(44);
      expect(b.w).toBeGreaterThanOrEqual(44);
      expect(b.right).toBeLessThanOrEqual(360);
    }

    // A long charter: twenty more articles, so the board has to scroll to the one under discussion.
    const writer = yjsClient(session.hall.url, created.meetingId, docId, created.facilitatorToken);
    keep({ close: () => writer.provider.destroy() });
    await writer.synced();
    const lastId = 'a00000000000000ff';
    writer.doc.transact(() => {
      const fragment = writer.doc.getXmlFragment('default');
      for (let i = 0; i < 20; i++) {
        const article = new Y.XmlElement('article');
        fragment.insert(fragment.length, [article]);
        article.setAttribute('id', i === 19 ? lastId : `a${String(i).padStart(16, '0')}`);
        article.insert(0, [new Y.XmlText(i === 19 ? '会员大会每年至少召开一次，由理事会召集。' : `补充条款${i + 1}：商户与居民共同遵守本会议事规则。`)]);
      }
    });
    await expect.poll(() => editor(laptop).locator('p.article').count()).toBe(25);

    // The facilitator shows the charter on the 1920×1080 board: in place of the topic wall, large, live.
    const board = await pages.board(created, 1920, 1080);
    await board.locator('[data-testid=topics-count]').waitFor();
    await laptop.locator('[data-testid=doc-board-show]').click();
    await board.locator('[data-testid=board-document][data-synced=true]').waitFor();
    expect(await board.locator('[data-testid=topics-count]').count()).toBe(0);
    expect(await board.locator('[data-testid=board-document-title]').textContent()).toBe('联合会章程（草案）');
    await expect.poll(async () => (await readonlyText(board, 'board-document')) ?? '').toContain('后来的修改。');
    const boardText = board.locator('[data-testid=board-document] p.article').first();
    expect(await boardText.evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(28);
    expect(await board.locator('[data-testid=board-document] [data-testid=doc-readonly]').getAttribute('contenteditable')).toBe('false');
    expect(await laptop.locator('[data-testid=doc-board-state]').textContent()).toContain('大屏正在显示本文档');
    expect(await inView(board, lastId)).toBe(false);
    await shot(board, 'board-document-1920x1080');
    expect(await axeViolations(board)).toEqual([]);

    // … then follows the article the facilitator chooses: the board scrolls it into view and marks it.
    await editor(laptop).locator(`p.article[data-article-id="${lastId}"]`).click();
    await laptop.locator('[data-testid=doc-board-article]').click();
    await expect.poll(() => inView(board, lastId)).toBe(true);
    expect(await board.locator(`[data-testid=board-document] p.article[data-article-id="${lastId}"]`).getAttribute('class')).toContain('focus');
    expect(await board.locator(`[data-testid=board-document] p.article[data-article-id="${lastId}"]`).getAttribute('data-number')).toBe('第二十五条');
    await shot(board, 'board-document-article-1920x1080');

    // A 1024×768 projector shows it too, at least 28 px, at the same article.
    const small = await pages.board(created, 1024, 768);
    await small.locator('[data-testid=board-document][data-synced=true]').waitFor();
    await expect.poll(() => inView(small, lastId)).toBe(true);
    expect(await small.locator('[data-testid=board-document] p.article').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(28);
    await shot(small, 'board-document-1024x768');
    expect(await axeViolations(small)).toEqual([]);

    // The facilitator's page, with the board controls and the versions.
    await shot(laptop, 'laptop-document-1366x768');
    await laptop.locator('[data-testid=doc-versions]').scrollIntoViewIfNeeded();
    await shot(laptop, 'laptop-versions-1366x768');
    expect(await axeViolations(laptop)).toEqual([]);

    // Taken down: the topic wall comes back on both boards.
    await laptop.locator('[data-testid=doc-board-down]').click();
    for (const page of [board, small]) {
      await page.locator('[data-testid=topics-count]').waitFor();
      expect(await page.locator('[data-testid=board-document]').count()).toBe(0);
    }
    expect(await laptop.locator('[data-testid=doc-board-down]').count()).toBe(0);
  });
});
