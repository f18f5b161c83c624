import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { connected, createLink, createMeeting, join } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { hallSession, LAPTOP } from './hall.ts';

/**
 * What the secretary keeps for the minutes on the desk (issue 9): paper participants by name and by
 * count, the details and the notes (saved on blur, saved state shown, kept over a reload); the board
 * counts paper participants, labelled; a phone never holds their names or the notes [D18]; the console
 * publishes the minutes. Embedded store only: these are screens.
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots');
const session = hallSession({ shots: SHOTS });
const { newContext, keep } = session;
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

describe('the record on the desk', () => {
  test('paper participants, details and notes on the desk; the board counts paper people; phones never hold names or notes; the console publishes', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里议事会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const phone = await connected(session.hall.url, (await join(session.hall.url, created.joinCode, '安大姐', '居民')).token);
    keep(phone);
    const deskLink = await createLink(session.hall.url, created.meetingId, created.facilitatorToken, 'secretary');
    const desk = await (await newContext(LAPTOP)).newPage();
    await desk.goto(`${session.hall.base}/m/${created.meetingId}/secretary#token=${deskLink}`);
    const board = await (await newContext(LAPTOP)).newPage();
    await board.goto(`${session.hall.base}/m/${created.meetingId}/board#token=${await createLink(session.hall.url, created.meetingId, created.facilitatorToken)}`);
    await expect.poll(() => board.locator('[data-testid=board-people-total]').textContent()).toContain('1');

    // One person by name, three unnamed merchants.
    const panel = desk.locator('[data-testid=paper-panel]');
    await panel.locator('[data-testid=paper-group]').selectOption('居民');
    await panel.locator('[data-testid=paper-name]').fill('王阿姨');
    await panel.getByRole('button', { name: '登记', exact: true }).click();
    await expect.poll(() => panel.locator('[data-testid=paper-entry]').count()).toBe(1);
    await panel.locator('[data-testid=paper-group]').selectOption('商户');
    await panel.locator('[data-testid=paper-mode-count]').check();
    await panel.locator('[data-testid=paper-count]').fill('3');
    await panel.getByRole('button', { name: '登记', exact: true }).click();
    await expect.poll(() => panel.locator('[data-testid=paper-entry]').allTextContents()).toEqual([expect.stringContaining('王阿姨'), expect.stringContaining('未具名 3 人')]);
    await expect.poll(() => board.locator('[data-testid=board-people-total]').textContent()).toBe('已到 5 人（含纸质登记 4 人）');
    expect(await board.locator('[data-testid=board-group-paper]').allTextContents()).toEqual(['含纸质 1', '含纸质 3']);

    // Details saved with the button; notes saved when the box loses focus.
    const details = desk.locator('[data-testid=record-details]');
    await details.locator('[data-testid=record-place]').fill('滨河东里社区活动室');
    await details.locator('[data-testid=record-secretary]').fill('张记录');
    expect(await details.locator('[data-testid=record-details-state]').getAttribute('data-state')).toBe('unsaved');
    await details.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => details.locator('[data-testid=record-details-state]').getAttribute('data-state')).toBe('saved');
    const notes = desk.locator('[data-testid=record-notes-text]');
    await notes.fill('居民普遍反映停车难。\n下次会议继续讨论。');
    expect(await desk.locator('[data-testid=record-notes-state]').getAttribute('data-state')).toBe('unsaved');
    await details.locator('[data-testid=record-place]').focus();
    await expect.poll(() => desk.locator('[data-testid=record-notes-state]').getAttribute('data-state')).toBe('saved');
    await shot(desk, 'desk-record-1366');

    // Over a reload the desk shows what was saved.
    await desk.reload();
    await expect.poll(() => desk.locator('[data-testid=record-notes-text]').inputValue()).toBe('居民普遍反映停车难。\n下次会议继续讨论。');
    expect(await desk.locator('[data-testid=record-place]').inputValue()).toBe('滨河东里社区活动室');

    // The phone counts the paper people and holds none of the staff's text.
    await phone.until((s) => (s.paperCount.get('商户') ?? 0) === 3);
    const held = JSON.stringify(phone.state);
    for (const secret of ['王阿姨', '滨河东里社区活动室', '张记录', '停车难。']) expect(held).not.toContain(secret);

    // The console publishes the minutes; the phone learns it.
    const console_ = await (await newContext(LAPTOP)).newPage();
    await console_.addInitScript(({ meetingId, token }) => localStorage.setItem(`yishi:facilitator:${meetingId}`, JSON.stringify(token)), { meetingId: created.meetingId, token: created.facilitatorToken });
    await console_.goto(`${session.hall.base}/m/${created.meetingId}/facilitator`);
    await console_.locator('[data-testid=minutes-publish]').click();
    await expect.poll(() => console_.locator('[data-testid=minutes-state]').getAttribute('data-published')).toBe('true');
    await phone.until((s) => s.minutesPublished);

    // A paper entry is removed again.
    await panel.getByRole('button', { name: '删除纸质登记：王阿姨' }).click();
    await expect.poll(() => board.locator('[data-testid=board-people-total]').textContent()).toBe('已到 4 人（含纸质登记 3 人）');
  });
});
