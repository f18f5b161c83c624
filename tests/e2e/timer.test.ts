import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import path from 'node:path';
import { connected, createMeeting, join } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { hallSession, PHONE } from './hall.ts';
import { axeViolations, meetingPages } from './pages.ts';

/**
 * Phases a facilitator shapes and the shared timer (issue 12, items 1 and 2): the console renames the
 * current phase and sets its timebox, starts the timer; the board and a phone whose clock is five
 * minutes fast show the same remaining seconds; pause, +1 and resume reach both; at zero the board says
 * time is up and counts the overrun [D38, D40–D42].
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots/timer');
const session = hallSession({ shots: SHOTS });
const pages = meetingPages(session);
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

/** The signed seconds a timer shows (negative: overrun), or null when it shows none. */
async function seconds(page: Page, testid: string): Promise<number | null> {
  const value = await page.locator(`[data-testid=${testid}]`).getAttribute('data-seconds', { timeout: 1_000 }).catch(() => null);
  return value === null ? null : Number(value);
}
const status = (page: Page, testid: string) => page.locator(`[data-testid=${testid}]`).getAttribute('data-status', { timeout: 1_000 }).catch(() => null);

/** A joined phone whose clock runs `skewMs` ahead of true time (Date and Date.now, before any page script). */
async function skewedPhone(created: { meetingId: string; joinCode: string }, skewMs: number): Promise<Page> {
  const joined = await join(session.hall.url, created.joinCode, '钟快五分钟的王阿姨', '居民');
  const context = await session.newContext(PHONE);
  await context.addInitScript((skew) => {
    const RealDate = Date;
    const realNow = RealDate.now.bind(RealDate);
    class SkewedDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(realNow() + skew);
        else super(...(args as [number]));
      }
      static override now(): number {
        return realNow() + skew;
      }
    }
    globalThis.Date = SkewedDate as DateConstructor;
  }, skewMs);
  await context.addInitScript((s) => localStorage.setItem(`yishi:participant:meeting:${s.meetingId}`, JSON.stringify(s)), { ...joined, joinCode: created.joinCode });
  const page = await context.newPage();
  await page.goto(`${session.hall.base}/m/${created.meetingId}`);
  await page.locator('[data-testid=me]').waitFor();
  return page;
}

describe('the shared timer', () => {
  test('the console edits a phase and runs its timer; the board and a phone five minutes off agree; time is up on the board', { timeout: 150_000 }, async () => {
    await mkdir(SHOTS, { recursive: true });
    const created = await createMeeting(session.hall.url, { title: '滨河东里开放空间', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const laptop = await pages.console(created);
    const board = await pages.board(created, 1024, 768);
    const phone = await skewedPhone(created, 5 * 60_000);
    expect(await phone.evaluate(() => Date.now() - performance.timeOrigin - performance.now())).toBeGreaterThan(4 * 60_000);

    // The facilitator renames the current phase and gives it a 12-minute timebox.
    await laptop.locator('[data-testid=phase-editor] summary').click();
    const current = laptop.locator('[data-testid=phase-editor] li').first();
    await current.locator('[data-testid=phase-edit]').click();
    await current.locator('[data-testid=phase-title-input]').fill('开场与规则');
    await current.locator('[data-testid=phase-timebox-input]').fill('12');
    await current.locator('[data-testid=phase-save]').click();
    await current.locator('[data-testid=phase-title-input]').waitFor({ state: 'detached' });
    await expect.poll(() => board.locator('[data-phase-kind=opening] strong').textContent()).toBe('开场与规则');
    await expect.poll(() => phone.locator('[data-phase-kind=opening] strong').textContent()).toBe('开场与规则');
    // Moved down and back: the order follows on the board's step count, the phone too.
    await laptop.locator('[data-testid=phase-editor] li').nth(2).locator('[data-testid=phase-down]').click();
    await expect.poll(() => laptop.locator('[data-testid=phase-editor] [data-testid=phase-name]').nth(3).textContent()).toBe('排议程');

    // Start: the board and the phone (clock five minutes fast) show the same seconds.
    await laptop.locator('[data-testid=timer-start]').click();
    await expect.poll(() => status(board, 'board-timer')).toBe('running');
    await expect.poll(() => status(phone, 'phone-timer')).toBe('running');
    // Each client measured its offset on connecting; give the phone's a moment to be in place, then compare.
    await expect
      .poll(async () => {
        const [b1, p, b2] = [await seconds(board, 'board-timer'), await seconds(phone, 'phone-timer'), await seconds(board, 'board-timer')];
        return b1 !== null && p !== null && b2 !== null && p >= Math.min(b1, b2) - 1 && p <= Math.max(b1, b2) + 1 && p > 11 * 60;
      })
      .toBe(true);
    await shot(phone, 'phone-timer-running-360x740');
    await shot(board, 'board-timer-running-1024x768');
    await shot(laptop, 'console-timer-running-1366x768');

    // Pause: frozen, and the same on both.
    await laptop.locator('[data-testid=timer-pause]').click();
    await expect.poll(() => status(phone, 'phone-timer')).toBe('paused');
    await expect.poll(() => status(board, 'board-timer')).toBe('paused');
    const frozen = (await seconds(board, 'board-timer'))!;
    expect(await seconds(phone, 'phone-timer')).toBe(frozen);
    // +1 minute while paused, then resume.
    await laptop.locator('[data-testid=timer-plus1]').click();
    await expect.poll(() => seconds(phone, 'phone-timer')).toBe(frozen + 60);
    await expect.poll(() => seconds(board, 'board-timer')).toBe(frozen + 60);
    await shot(board, 'board-timer-paused-1024x768');
    await laptop.locator('[data-testid=timer-resume]').click();
    await expect.poll(() => status(board, 'board-timer')).toBe('running');
    await expect.poll(() => status(phone, 'phone-timer')).toBe('running');

    // The phone loses the network while the facilitator adds five minutes; back, it shows the right time without a reload.
    await phone.context().setOffline(true);
    await expect.poll(() => phone.locator('span.badge[data-status]').first().getAttribute('data-status')).not.toBe('connected');
    const before = (await seconds(board, 'board-timer'))!;
    await laptop.locator('[data-testid=timer-plus5]').click();
    await expect.poll(async () => ((await seconds(board, 'board-timer')) ?? 0) > before + 200).toBe(true);
    await phone.context().setOffline(false);
    await expect
      .poll(async () => {
        const [b1, p, b2] = [await seconds(board, 'board-timer'), await seconds(phone, 'phone-timer'), await seconds(board, 'board-timer')];
        return b1 !== null && p !== null && b2 !== null && p >= Math.min(b1, b2) - 1 && p <= Math.max(b1, b2) + 1;
      })
      .toBe(true);

    // The console's page, the board's and the phone's pass axe (AAA contrast).
    for (const page of [laptop, board, phone]) expect(await axeViolations(page)).toEqual([]);

    // At zero: the board says time is up and counts the overrun up; nothing else changes.
    await laptop.locator('[data-testid=timer-reset]').click();
    // Reset: the console shows the timebox again; the board and the phone show no timer until it runs.
    await expect.poll(() => status(laptop, 'console-timer')).toBe('idle');
    await expect.poll(() => board.locator('[data-testid=board-timer]').count()).toBe(0);
    const fac = session.keep(await connected(session.hall.url, created.facilitatorToken));
    expect((await fac.send({ type: 'timer.start', phaseId: fac.state!.phaseId, seconds: 2 })).ok).toBe(true);
    const wide = await pages.board(created, 1920, 1080);
    await expect.poll(() => board.locator('[data-testid=board-timer]').getAttribute('data-overrun')).toBe('true');
    await expect.poll(() => board.locator('[data-testid=board-timer]').textContent()).toContain('时间到');
    await expect.poll(() => seconds(board, 'board-timer')).toBeLessThanOrEqual(-1);
    await expect.poll(() => wide.locator('[data-testid=board-timer]').getAttribute('data-overrun')).toBe('true');
    await expect.poll(() => phone.locator('[data-testid=phone-timer]').getAttribute('data-overrun')).toBe('true');
    await shot(board, 'board-timer-up-1024x768');
    await shot(wide, 'board-timer-up-1920x1080');
    await shot(phone, 'phone-timer-up-360x740');
    expect(await axeViolations(board)).toEqual([]);
    // Nothing was cut off: the phase is still the same, and the facilitator moves on when they choose.
    expect(await board.locator('[data-phase-kind=opening] strong').textContent()).toBe('开场与规则');
    await laptop.locator('[data-testid=phase-editor] summary').scrollIntoViewIfNeeded();
    await shot(laptop, 'console-phase-editor-1366x768');
  });
});
