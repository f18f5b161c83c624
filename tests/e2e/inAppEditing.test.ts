import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { createDocument, createMeeting } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { PHONE, hallSession } from './hall.ts';
import { axeViolations, meetingPages } from './pages.ts';

/**
 * Issue 10 item 6: a phone in WeChat's in-app browser, which refuses WebSockets (and storage), opens the
 * charter from its document list and co-edits it over the meeting's long-polling Socket.IO connection;
 * a second, ordinary phone on /yjs sees its text and its caret, and the other way round [D28].
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots/in-app-editing');
const session = hallSession({ shots: SHOTS });
const pages = meetingPages(session);

const WECHAT_UA =
  'Mozilla/5.0 (Linux; Android 12; V2031A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230202 MMWEBID/2593 MicroMessenger/8.0.33.2320(0x28002151) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64';

const editor = (page: Page) => page.locator('[data-testid=doc-editor]');
/** The text without other people's carets (their name labels sit inside the text). */
const text = (page: Page) =>
  editor(page).evaluate((el) => {
    const copy = el.cloneNode(true) as Element;
    for (const caret of copy.querySelectorAll('.collab-caret')) caret.remove();
    return copy.textContent ?? '';
  });

async function openFromList(page: Page, docId: string): Promise<void> {
  await page.locator(`[data-testid=document-list] [data-doc-id="${docId}"] [data-testid=document-open]`).click();
  await page.waitForURL(`**/d/${docId}**`);
  await editor(page).waitFor();
  await page.locator('[data-testid=doc-sync][data-synced=true]').waitFor();
}

describe('editing in an in-app browser', () => {
  test('[D28] the emulated in-app browser edits the charter over the fallback; an ordinary phone sees the edit and the caret, and the other way round', { timeout: 120_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '微信里改章程', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '联合会章程（草案）', 'everyone');

    const context = await session.newContext({ ...PHONE, userAgent: WECHAT_UA });
    await context.addInitScript(() => {
      // Every WebSocket fails as a proxy that refuses the upgrade makes it fail (as in open-space-flow).
      const attempts: string[] = [];
      (window as unknown as { __wsAttempts: string[] }).__wsAttempts = attempts;
      class RefusedWebSocket extends EventTarget {
        static readonly CONNECTING = 0;
        static readonly OPEN = 1;
        static readonly CLOSING = 2;
        static readonly CLOSED = 3;
        readyState = 0;
        binaryType = 'blob';
        onopen: ((e: Event) => void) | null = null;
        onerror: ((e: Event) => void) | null = null;
        onclose: ((e: CloseEvent) => void) | null = null;
        onmessage: ((e: MessageEvent) => void) | null = null;
        constructor(readonly url: string) {
          super();
          attempts.push(url);
          setTimeout(() => {
            this.readyState = 3;
            const error = new Event('error');
            this.onerror?.(error);
            this.dispatchEvent(error);
            const close = new CloseEvent('close', { code: 1006, wasClean: false });
            this.onclose?.(close);
            this.dispatchEvent(close);
          }, 20);
        }
        send(): void {
          throw new DOMException('not open', 'InvalidStateError');
        }
        close(): void {}
      }
      Object.defineProperty(window, 'WebSocket', { configurable: true, writable: true, value: RefusedWebSocket });
      const refuse = () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      };
      Object.defineProperty(window, 'localStorage', { configurable: true, get: refuse });
      Object.defineProperty(window, 'sessionStorage', { configurable: true, get: refuse });
    });
    // What the page sends over long-polling: the document's events travel there.
    const polled: string[] = [];
    context.on('request', (req) => {
      if (req.url().includes('/socket.io/') && req.method() === 'POST') polled.push(req.postData() ?? '');
    });
    const wechat = await context.newPage();
    const pageErrors: string[] = [];
    wechat.on('pageerror', (err) => pageErrors.push(err.message));
    await wechat.goto(`${session.hall.base}/join/${created.joinCode}`);
    await wechat.locator('#name').fill('周阿姨');
    await wechat.locator('label.group', { hasText: '居民' }).click();
    await wechat.getByRole('button', { name: '进入会议' }).click();
    await wechat.locator('[data-testid=me]').waitFor();
    await openFromList(wechat, docId);
    expect(await wechat.locator('[data-testid=doc-right]').textContent()).toBe('你可以编辑');

    // The ordinary phone, on /yjs.
    const other = await pages.phone(created, '安阿姨', '居民');
    await openFromList(other, docId);

    // The in-app browser types; the other phone sees the text and its caret with its name.
    await editor(wechat).click();
    await wechat.keyboard.type('第一章 总则。本会由滨河东里居民自愿组成。');
    await expect.poll(() => text(other)).toContain('本会由滨河东里居民自愿组成。');
    await expect.poll(() => other.locator('.collab-caret-label').allTextContents()).toContain('周阿姨');
    // And the other way round.
    await editor(other).click();
    await other.keyboard.press('End');
    await other.keyboard.type('会址设在社区活动中心。');
    await expect.poll(() => text(wechat)).toContain('会址设在社区活动中心。');
    await expect.poll(() => wechat.locator('.collab-caret-label').allTextContents()).toContain('安阿姨');
    expect(await text(wechat)).toBe(await text(other));

    // It went over the fallback: every WebSocket refused, the document opened over long-polling.
    const attempts = await wechat.evaluate(() => (window as unknown as { __wsAttempts: string[] }).__wsAttempts);
    expect(attempts.some((u) => u.includes(`/yjs/${created.meetingId}/${docId}`))).toBe(true);
    expect(polled.some((body) => body.includes('"doc:open"'))).toBe(true);
    expect(polled.some((body) => body.includes('"doc:msg"'))).toBe(true);
    expect(pageErrors).toEqual([]);

    await expect.poll(() => wechat.locator('[data-testid=doc-sync]').textContent()).toContain('已同步');
    await wechat.screenshot({ path: path.join(SHOTS, 'wechat-charter-fallback-360x740.png') });
    expect(await axeViolations(wechat)).toEqual([]);
  });
});
