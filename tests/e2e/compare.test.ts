import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { createDocument, createMeeting } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { hallSession } from './hall.ts';
import { axeViolations, meetingPages } from './pages.ts';

/**
 * Comparing versions (issue 10, item 4) [D24]: from the charter skeleton the facilitator saves "章程 v1",
 * inserts an article above 第三条 and changes the old 第三条's words; a phone compares v1 with the
 * current text and the console v1 with a saved v2. Both show the new article 新增 as 第三条 and the old
 * one 修改, its words marked, 原第三条，现第四条; the articles after it 编号变化.
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots/compare');
const session = hallSession({ shots: SHOTS });
const pages = meetingPages(session);
async function shot(page: Page, name: string, target?: Locator) {
  await target?.scrollIntoViewIfNeeded();
  await target?.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

const editor = (page: Page) => page.locator('[data-testid=doc-editor]');
const synced = (page: Page) => page.locator('[data-testid=doc-sync][data-synced=true]').waitFor();
/** Numbered article texts, without other people's carets (their name labels sit inside the text). */
const articleTexts = (page: Page) =>
  editor(page)
    .locator('p.article')
    .evaluateAll((ps) =>
      ps.map((p) => {
        const copy = p.cloneNode(true) as Element;
        for (const caret of copy.querySelectorAll('.collab-caret')) caret.remove();
        return `${p.getAttribute('data-number')} ${copy.textContent}`;
      })
    );

async function openFromList(page: Page, list: string, docId: string): Promise<void> {
  await page.locator(`[data-testid=${list}] [data-doc-id="${docId}"] [data-testid=document-open]`).click();
  await page.waitForURL(`**/d/${docId}**`);
  await editor(page).waitFor();
  await synced(page);
}

/** The comparison as a person reads it: one line per entry, [-removed-] and {+added+} words. */
const shown = (page: Page) =>
  page.locator('[data-testid=cmp-result] .entries > li').evaluateAll((lis) =>
    lis.map((li) => {
      if (li.getAttribute('data-testid') === 'cmp-unchanged') return `= ${li.textContent?.trim()}`;
      const change = li.querySelector('[data-testid=cmp-change]')?.textContent;
      const place = li.querySelector('[data-testid=cmp-place]')?.textContent;
      const words = li.querySelector('[data-testid=cmp-words]');
      const marked = words ? Array.from(words.childNodes, (n) => (n.nodeName === 'INS' ? `{+${n.textContent}+}` : n.nodeName === 'DEL' ? `[-${n.textContent}-]` : n.textContent)).join('') : '';
      return `${change} ${place}${marked ? ` ${marked.trim()}` : ''}`;
    })
  );

const OLD_THIRD = '承认本章程的居民和商户，可以申请成为会员。';
const NEW_THIRD = '承认本章程的居民和商户，均可申请入会。';
const INSERTED = '理事会每届任期三年。';

describe('comparing versions of the charter', () => {
  test('v1 saved, an article inserted above 第三条 and 第三条 changed: the comparison shows the new 第三条 added and the old one changed (words marked) as 第四条, on a phone and the console, in both languages; axe clean', { timeout: 180_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '联合会章程（草案）', 'everyone');

    // The facilitator starts from the skeleton and saves 章程 v1.
    const laptop = await pages.console(created);
    await openFromList(laptop, 'documents-panel', docId);
    await laptop.locator('[data-testid=doc-skeleton-insert]').click();
    await expect.poll(() => articleTexts(laptop)).toHaveLength(5);
    expect((await articleTexts(laptop))[2]).toBe(`第三条 ${OLD_THIRD}`);
    await laptop.locator('[data-testid=ver-name]').fill('章程 v1');
    await laptop.locator('[data-testid=ver-save]').click();
    await laptop.locator('[data-testid=ver-saved]').waitFor();

    // An article inserted above 第三条, then the old 第三条 (now 第四条) reworded.
    await editor(laptop).locator('p.article').nth(1).click();
    await laptop.keyboard.press('End');
    await laptop.keyboard.press('Enter');
    await laptop.locator('[data-testid=tool-article]').click();
    await laptop.keyboard.type(INSERTED);
    await expect.poll(async () => (await articleTexts(laptop))[2]).toBe(`第三条 ${INSERTED}`);
    await editor(laptop).locator('p.article').nth(3).click();
    await laptop.keyboard.press('End');
    for (let k = 0; k < '可以申请成为会员。'.length; k++) await laptop.keyboard.press('Backspace');
    await laptop.keyboard.type('均可申请入会。');
    await expect.poll(async () => (await articleTexts(laptop))[3]).toBe(`第四条 ${NEW_THIRD}`);

    // A phone that has the edits (so the server has them) compares v1 with the current text.
    const phone = await pages.phone(created, '安阿姨', '居民');
    await openFromList(phone, 'document-list', docId);
    await expect.poll(() => articleTexts(phone)).toEqual([expect.stringMatching(/^第一条 /), expect.stringMatching(/^第二条 /), `第三条 ${INSERTED}`, `第四条 ${NEW_THIRD}`, expect.stringMatching(/^第五条 /), expect.stringMatching(/^第六条 /)]);
    const form = phone.locator('[data-testid=cmp-form]');
    await form.scrollIntoViewIfNeeded();
    expect(await phone.locator('[data-testid=cmp-from] option:checked').textContent()).toBe('章程 v1');
    expect(await phone.locator('[data-testid=cmp-to] option:checked').textContent()).toBe('当前文本');
    await phone.locator('[data-testid=cmp-go]').click();
    await phone.locator('[data-testid=cmp-result]').waitFor();
    expect(await phone.locator('[data-testid=cmp-title]').textContent()).toBe('“章程 v1” 与 “当前文本” 的比较');
    const lines = await shown(phone);
    expect(lines[0]).toBe('= 第一条至第二条未改动');
    expect(lines[1]).toBe(`新增 第三条 {+${INSERTED}+}`);
    expect(lines[2]).toMatch(/^修改 原第三条，现第四条 承认本章程的居民和商户，/);
    expect(lines.slice(3)).toEqual(['编号变化 原第四条，现第五条', '编号变化 原第五条，现第六条']);
    // Each says which chapter it stands in: the new article under 组织机构, the changed one under 会员.
    expect(await phone.locator('[data-testid=cmp-entry] [data-testid=cmp-chapter]').allTextContents()).toEqual(['第二章　组织机构', '第三章　会员', '第四章　议事规则', '第五章　附则']);
    expect(await phone.locator('[data-testid=cmp-summary]').textContent()).toBe('条款：新增 1，删除 0，修改 1，编号变化 3；章节标题变化 0');
    // The changed article's marked words: without the additions it is the old text, without the removals the new.
    const changed = phone.locator('[data-testid=cmp-entry][data-change=changed] [data-testid=cmp-words]');
    const [before, after, dels, inss] = await changed.evaluate((el) => {
      const keep = (skip: string) => Array.from(el.childNodes, (n) => (n.nodeName === skip ? '' : (n.textContent ?? ''))).join('').trim();
      return [keep('INS'), keep('DEL'), Array.from(el.querySelectorAll('del'), (d) => d.textContent), Array.from(el.querySelectorAll('ins'), (d) => d.textContent)];
    });
    expect(before).toBe(OLD_THIRD);
    expect(after).toBe(NEW_THIRD);
    expect((dels as string[]).join('')).toContain('成为会员');
    expect((inss as string[]).join('')).toContain('入会');
    expect((dels as string[]).join('')).not.toContain('申请');

    // Readable on the phone: 16 px text at least, 44 px targets, nothing wider than the screen; the marks
    // are told by more than colour (underline, strike-through).
    const sizes = await phone.locator('[data-testid=cmp-result] :is(p, li, ins, del, span, strong)').evaluateAll((els) => els.map((e) => parseFloat(getComputedStyle(e).fontSize)));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(16);
    const targets = await phone.locator('[data-testid=ver-compare] :is(select, button)').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ h: r.height, w: r.width, right: r.right })));
    for (const t of targets) {
      expect(t.h).toBeGreaterThanOrEqual(44);
      expect(t.w).toBeGreaterThanOrEqual(44);
      expect(t.right).toBeLessThanOrEqual(360);
    }
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await changed.locator('ins').first().evaluate((e) => getComputedStyle(e).textDecorationLine)).toBe('underline');
    expect(await changed.locator('del').first().evaluate((e) => getComputedStyle(e).textDecorationLine)).toBe('line-through');
    await shot(phone, 'phone-compare-360x740', phone.locator('[data-testid=cmp-result]'));
    await shot(phone, 'phone-compare-changed-360x740', phone.locator('[data-testid=cmp-entry][data-change=changed]'));
    expect(await axeViolations(phone)).toEqual([]);

    // The console saves v2 and compares v1 with it: the same changes.
    await laptop.locator('[data-testid=ver-name]').fill('章程 v2');
    await laptop.locator('[data-testid=ver-save]').click();
    await expect.poll(() => laptop.locator('[data-testid=ver-item] [data-testid=ver-name-text]').allTextContents()).toEqual(['章程 v2', '章程 v1']);
    await laptop.locator('[data-testid=cmp-from]').selectOption({ label: '章程 v1' });
    await laptop.locator('[data-testid=cmp-to]').selectOption({ label: '章程 v2' });
    await laptop.locator('[data-testid=cmp-go]').click();
    await expect.poll(() => laptop.locator('[data-testid=cmp-title]').textContent()).toBe('“章程 v1” 与 “章程 v2” 的比较');
    expect(await shown(laptop)).toEqual(lines);
    await shot(laptop, 'console-compare-1366x768', laptop.locator('[data-testid=cmp-result]'));
    expect(await axeViolations(laptop)).toEqual([]);

    // The same version on both sides is refused before asking; v2 with the current text: nothing changed.
    await laptop.locator('[data-testid=cmp-to]').selectOption({ label: '章程 v1' });
    await laptop.locator('[data-testid=cmp-go]').click();
    expect(await laptop.locator('[data-testid=cmp-error]').textContent()).toBe('请选两个不同的版本。');
    await laptop.locator('[data-testid=cmp-from]').selectOption({ label: '章程 v2' });
    await laptop.locator('[data-testid=cmp-to]').selectOption({ label: '当前文本' });
    await laptop.locator('[data-testid=cmp-go]').click();
    await laptop.locator('[data-testid=cmp-nothing]').waitFor();
    expect(await laptop.locator('[data-testid=cmp-error]').count()).toBe(0);

    // In English: the labels are words too.
    await laptop.locator('button.locale').click();
    await expect.poll(() => laptop.locator('[data-testid=cmp-go]').textContent()).toBe('Compare');
    await laptop.locator('[data-testid=cmp-from]').selectOption({ label: '章程 v1' });
    await laptop.locator('[data-testid=cmp-go]').click();
    await laptop.locator('[data-testid=cmp-result]').waitFor();
    expect(await laptop.locator('[data-testid=cmp-title]').textContent()).toBe('“章程 v1” compared with “Current text”');
    expect((await shown(laptop)).slice(0, 4)).toEqual(['= 第一条 to 第二条 unchanged', `Added 第三条 {+${INSERTED}+}`, expect.stringMatching(/^Changed formerly 第三条, now 第四条 /), 'Renumbered formerly 第四条, now 第五条']);
    await shot(laptop, 'console-compare-en-1366x768', laptop.locator('[data-testid=cmp-result]'));
    expect(await axeViolations(laptop)).toEqual([]);
  });
});
