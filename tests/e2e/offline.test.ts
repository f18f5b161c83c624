import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { connected, createDocument, createMeeting, join } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { hallSession, PHONE } from './hall.ts';
import { axeViolations, meetingPages } from './pages.ts';

/**
 * Offline editing (issue 10, item 7) [D30]: a 360 px phone that edits a charter without a network keeps
 * what it types in its own storage, still sees it after a reload without a network (the document page's
 * shell from the service worker, the text from IndexedDB), and on reconnecting its edits merge with one
 * the facilitator made meanwhile, on every screen. A phone whose browser refuses storage edits online as
 * before and, told to keep the page open, still sends what it typed offline when it is back.
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots/offline');
const session = hallSession({ shots: SHOTS });
const pages = meetingPages(session);
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });


const editor = (page: Page) => page.locator('[data-testid=doc-editor]');
/** The text of each article, without other people's carets (their name labels sit inside the text). */
const articles = (page: Page) =>
  editor(page)
    .locator('p.article')
    .evaluateAll((ps) =>
      ps.map((p) => {
        const copy = p.cloneNode(true) as Element;
        for (const caret of copy.querySelectorAll('.collab-caret')) caret.remove();
        return copy.textContent ?? '';
      })
    );
const synced = (page: Page) => page.locator('[data-testid=doc-sync][data-synced=true]').waitFor();
const notice = (page: Page, state: 'kept' | 'open' | 'sent') => page.locator(`[data-testid=doc-offline][data-state=${state}]`);

/** Types at the end of an article (a wrapped article's End key only reaches the end of its first line). */
async function typeAtEnd(page: Page, article: number, text: string): Promise<void> {
  await editor(page).locator('p.article').nth(article).click();
  // The editor's own selection, at the end of that article's text (Tiptap hangs the editor on its element).
  await editor(page).evaluate((el, n) => {
    type Ed = { state: { doc: { descendants(f: (node: { type: { name: string }; nodeSize: number }, pos: number) => boolean | void): void } }; commands: { setTextSelection(pos: number): boolean; focus(): boolean } };
    const ed = (el as unknown as { editor: Ed }).editor;
    let seen = -1;
    let end = -1;
    ed.state.doc.descendants((node, pos) => {
      if (node.type.name !== 'article') return true;
      if (++seen === n) end = pos + node.nodeSize - 1;
      return false;
    });
    ed.commands.setTextSelection(end);
    ed.commands.focus();
  }, article);
  await page.keyboard.type(text);
}

/** Uncaught errors on the phones' pages (offline, reloaded, storage refused): there must be none. */
let pageErrors: string[] = [];

/** A joined phone that opens the document straight away, at `base` (the loopback address is a secure context). */
async function phoneAt(base: string, created: { meetingId: string; joinCode: string }, docId: string, name: string, init?: () => void, locale: 'zh-CN' | 'en' = 'zh-CN'): Promise<{ page: Page; context: BrowserContext }> {
  const joined = await join(session.hall.url, created.joinCode, name, '居民');
  const context = await session.newContext(PHONE);
  if (locale === 'en') await context.addCookies([{ name: 'PARAGLIDE_LOCALE', value: 'en', url: base }]);
  await context.addInitScript((s) => localStorage.setItem(`yishi:participant:meeting:${s.meetingId}`, JSON.stringify(s)), { ...joined, joinCode: created.joinCode });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${name}: ${err.message}`));
  await page.goto(`${base}/m/${created.meetingId}/d/${docId}`);
  // A deadline for a cold page load on a busy machine (Playwright's own is 10 s; two suites at once took longer).
  await editor(page).waitFor({ timeout: 30_000 });
  await synced(page);
  return { page, context };
}

async function openDoc(page: Page, list: string, docId: string): Promise<void> {
  await page.locator(`[data-testid=${list}] [data-doc-id="${docId}"] [data-testid=document-open]`).click();
  await page.waitForURL(`**/d/${docId}**`);
  await editor(page).waitFor();
  await synced(page);
}

describe('offline editing', () => {
  beforeEach(() => {
    pageErrors = [];
  });
  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  test('D30: a phone edits offline, reloads offline and still sees and edits it, then its edits merge with the facilitator’s on every screen; told plainly; axe clean', { timeout: 150_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '联合会章程（草案）', 'everyone');

    const laptop = await pages.console(created);
    await openDoc(laptop, 'documents-panel', docId);
    await laptop.locator('[data-testid=doc-skeleton-insert]').click();
    await expect.poll(async () => (await articles(laptop)).length).toBe(5);

    const { page: phone, context } = await phoneAt(session.hall.url, created, docId, '安阿姨');
    await expect.poll(async () => (await articles(phone)).length).toBe(5);
    // The app shell is cached (service worker in control) and this document is kept on the phone.
    await expect.poll(() => phone.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => phone.evaluate(() => JSON.parse(localStorage.getItem('yishi:offline-docs') ?? '[]').length)).toBe(1);

    await typeAtEnd(phone, 1, '理事会每届三年。');
    await expect.poll(async () => (await articles(laptop))[1]).toContain('理事会每届三年。');

    // Offline: said plainly, and the phone types on.
    await context.setOffline(true);
    await notice(phone, 'kept').waitFor();
    expect(await notice(phone, 'kept').textContent()).toContain('保存在这部手机上');
    await typeAtEnd(phone, 1, '离线一。');
    // Meanwhile the facilitator edits another article.
    await typeAtEnd(laptop, 0, '简称联合会。');
    await expect.poll(async () => (await articles(laptop))[0]).toContain('简称联合会。');
    expect((await articles(laptop))[1]).not.toContain('离线一');

    // A reload without a network: the shell from the service worker, the text from this phone's copy, still editable.
    await phone.reload();
    await editor(phone).waitFor();
    await expect.poll(async () => (await articles(phone))[1]).toContain('理事会每届三年。离线一。');
    expect(await phone.locator('[data-testid=doc-title]').textContent()).toBe('联合会章程（草案）');
    await notice(phone, 'kept').waitFor();
    expect(await editor(phone).getAttribute('contenteditable')).toBe('true');
    await typeAtEnd(phone, 1, '离线二。');
    await expect.poll(async () => (await articles(phone))[1]).toContain('离线一。离线二。');
    await shot(phone, 'phone-offline-reloaded-360x740');
    expect(await axeViolations(phone)).toEqual([]);
    const size = await notice(phone, 'kept').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(16);

    // Back: the phone's edits reach the facilitator, the facilitator's reach the phone, and the phone is told they were sent.
    await context.setOffline(false);
    await notice(phone, 'sent').waitFor({ timeout: 20_000 });
    await expect.poll(async () => (await articles(laptop))[1], { timeout: 15_000 }).toContain('理事会每届三年。离线一。离线二。');
    await expect.poll(async () => (await articles(phone))[0]).toContain('简称联合会。');
    await shot(phone, 'phone-back-online-360x740');
    expect(await axeViolations(phone)).toEqual([]);

    expect(await phone.evaluate(() => JSON.parse(localStorage.getItem('yishi:offline-docs') ?? '[]')[0]?.unsent)).toBe(false);

    // The service worker's one cache holds this build's files and the document page's shell, nothing else
    // (no API, Socket.IO, /yjs or export answer).
    const cached = await phone.evaluate(async () => {
      const names = await caches.keys();
      const urls = names.length === 1 ? (await (await caches.open(names[0]!)).keys()).map((r) => new URL(r.url).pathname) : [];
      return { names, urls };
    });
    expect(cached.names).toHaveLength(1);
    expect(cached.names[0]).toMatch(/^yishi-app-/);
    expect(cached.urls).toContain('/m/offline/d/offline');
    expect(cached.urls.filter((u) => u !== '/m/offline/d/offline' && !u.startsWith('/_app/immutable/') && !/^\/favicon\.(svg|ico)$/.test(u))).toEqual([]);

    // A second phone opening now sees every edit, merged.
    const { page: other } = await phoneAt(session.hall.base, created, docId, '薄老板');
    await expect.poll(async () => (await articles(other)).slice(0, 2)).toEqual(await articles(laptop).then((a) => a.slice(0, 2)));
    const merged = await articles(other);
    expect(merged[0]).toContain('简称联合会。');
    expect(merged[1]).toContain('理事会每届三年。离线一。离线二。');
    // Nothing was typed twice by the merge.
    expect(merged[1]!.split('离线二').length).toBe(2);
  });

  test('D30: on the plain-http hall address a phone’s offline edits survive its page being closed and are sent when it opens again online; another person joining on that phone never gets the first one’s copy', { timeout: 120_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '社区议事会', groups: ['居民'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '议事规则', 'everyone');
    const laptop = await pages.console(created);
    await openDoc(laptop, 'documents-panel', docId);
    await laptop.locator('[data-testid=doc-skeleton-insert]').click();

    // One phone, handed from one person to the next: the session is set once, as joining would.
    const context = await session.newContext(PHONE);
    const base = session.hall.base;
    const signIn = async (page: Page, name: string) => {
      const joined = await join(session.hall.url, created.joinCode, name, '居民');
      await page.evaluate((s) => localStorage.setItem(`yishi:participant:meeting:${s.meetingId}`, JSON.stringify(s)), { ...joined, joinCode: created.joinCode });
      return joined.participantId;
    };
    let phone = await context.newPage();
    await phone.goto(`${base}/`);
    const first = await signIn(phone, '安阿姨');
    await phone.goto(`${base}/m/${created.meetingId}/d/${docId}`);
    await synced(phone);
    await expect.poll(async () => (await articles(phone)).length).toBe(5);

    await context.setOffline(true);
    await notice(phone, 'kept').waitFor();
    await typeAtEnd(phone, 3, '临时会议须提前三日通知。');
    // Kept in the phone's copy before the page goes (a closed tab, a flat battery).
    await expect.poll(() => phone.evaluate(() => JSON.parse(localStorage.getItem('yishi:offline-docs') ?? '[]')[0]?.unsent)).toBe(true);
    await phone.close();
    await context.setOffline(false);
    expect((await articles(laptop))[3]).not.toContain('提前三日');

    phone = await context.newPage();
    await phone.goto(`${base}/m/${created.meetingId}/d/${docId}`);
    await synced(phone);
    await expect.poll(async () => (await articles(laptop))[3], { timeout: 15_000 }).toContain('临时会议须提前三日通知。');
    await expect.poll(() => phone.evaluate(() => JSON.parse(localStorage.getItem('yishi:offline-docs') ?? '[]')[0]?.unsent)).toBe(false);
    const databases = () => phone.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('yishi-doc:')));
    expect(await databases()).toEqual([`yishi-doc:v1:${created.meetingId}:${docId}:p:${first}`]);

    // Another person joins on the same phone and opens the document: the first one's copy is gone, unread.
    const second = await signIn(phone, '薄老板');
    await phone.goto(`${base}/m/${created.meetingId}/d/${docId}`);
    await synced(phone);
    await expect.poll(databases).toEqual([`yishi-doc:v1:${created.meetingId}:${docId}:p:${second}`]);
    expect(await phone.evaluate(() => JSON.parse(localStorage.getItem('yishi:offline-docs') ?? '[]').map((c: { who: string }) => c.who))).toEqual([`p:${second}`]);
  });

  test('D30: a phone’s copy goes when it may no longer write the document, and when its person is removed from the meeting', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '社区议事会', groups: ['居民'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '议事规则', 'everyone');
    const { page: phone } = await phoneAt(session.hall.base, created, docId, '安阿姨');
    const kept = () => phone.evaluate(async () => ({
      listed: JSON.parse(localStorage.getItem('yishi:offline-docs') ?? '[]').length as number,
      databases: (await indexedDB.databases()).filter((d) => d.name?.startsWith('yishi-doc:')).length
    }));
    await expect.poll(kept).toEqual({ listed: 1, databases: 1 });

    const facilitator = session.keep(await connected(session.hall.url, created.facilitatorToken));
    expect(await facilitator.send({ type: 'document.access.set', docId, access: 'readonly', editors: [] })).toMatchObject({ ok: true });
    await phone.locator('[data-testid=doc-toolbar]').waitFor({ state: 'detached' });
    await expect.poll(kept).toEqual({ listed: 0, databases: 0 });

    expect(await facilitator.send({ type: 'document.access.set', docId, access: 'everyone', editors: [] })).toMatchObject({ ok: true });
    await phone.locator('[data-testid=doc-toolbar]').waitFor();
    await expect.poll(kept).toEqual({ listed: 1, databases: 1 });

    const me = await phone.evaluate((id) => JSON.parse(localStorage.getItem(`yishi:participant:meeting:${id}`) ?? '{}').participantId as string, created.meetingId);
    expect(await facilitator.send({ type: 'participant.remove', participantId: me })).toMatchObject({ ok: true });
    await expect.poll(kept, { timeout: 15_000 }).toEqual({ listed: 0, databases: 0 });
  });

  test('D30: where the browser refuses storage, a phone on the plain-http hall address edits online as before, and what it types offline is sent when back while the page stays open', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '社区议事会', groups: ['居民'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '议事规则', 'everyone');
    const laptop = await pages.console(created);
    await openDoc(laptop, 'documents-panel', docId);
    await laptop.locator('[data-testid=doc-skeleton-insert]').click();

    // An in-app browser that throws on IndexedDB.
    const refuse = () => {
      Object.defineProperty(window, 'indexedDB', {
        configurable: true,
        get() {
          throw new DOMException('The user denied permission to access the database.', 'SecurityError');
        }
      });
    };
    const { page: phone, context } = await phoneAt(session.hall.base, created, docId, '安阿姨', refuse, 'en');
    // Plain http on the hall's address: no service worker there.
    expect(await phone.evaluate(() => window.isSecureContext || 'serviceWorker' in navigator)).toBe(false);
    await expect.poll(async () => (await articles(phone)).length).toBe(5);
    await typeAtEnd(phone, 2, '每月开会一次。');
    await expect.poll(async () => (await articles(laptop))[2]).toContain('每月开会一次。');
    expect(await phone.evaluate(() => localStorage.getItem('yishi:offline-docs'))).toBeNull();

    await context.setOffline(true);
    await notice(phone, 'open').waitFor();
    expect(await notice(phone, 'open').textContent()).toContain('Keep this page open');
    await typeAtEnd(phone, 2, '遇事可临时召集。');
    await shot(phone, 'phone-offline-no-storage-en-360x740');
    expect(await axeViolations(phone)).toEqual([]);
    await context.setOffline(false);
    await notice(phone, 'sent').waitFor({ timeout: 20_000 });
    await expect.poll(async () => (await articles(laptop))[2], { timeout: 15_000 }).toContain('每月开会一次。遇事可临时召集。');
    expect(await phone.evaluate(() => localStorage.getItem('yishi:offline-docs'))).toBeNull();
  });
});
