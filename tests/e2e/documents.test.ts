import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { connected, createMeeting } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { hallSession } from './hall.ts';
import { axeViolations, meetingPages } from './pages.ts';

/**
 * Documents as part of the meeting (issue 10, first part): the facilitator creates a charter everyone
 * edits and notes a named participant edits from the console; each phone lists them with what that
 * person may do (the domain's documentRight on the phone's own view), and follows an access change at
 * once; the board lists them once joining closes (the QR code has its side panel before). No editor yet. Embedded store: these are screens.
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots/documents');
const session = hallSession({ shots: SHOTS });
const pages = meetingPages(session);
const { keep } = session;
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

const rights = (phone: Page) => phone.locator('[data-testid=document-list] [data-testid=document-item]').evaluateAll((items) => items.map((li) => `${li.querySelector('.title')?.textContent} ${li.querySelector('[data-testid=document-right]')?.textContent}`));

describe('documents in the meeting', () => {
  test('created on the console with their access; phones list them with what each person may do, and follow a change; the board lists them', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const resident = await pages.phone(created, '安阿姨', '居民');
    const merchant = await pages.phone(created, '薄老板', '商户');
    const console_ = await pages.console(created);
    const panel = console_.locator('[data-testid=documents-panel]');
    await expect.poll(() => panel.locator('[data-testid=documents-none]').count()).toBe(1);

    // A charter everyone edits; notes only 安阿姨 edits.
    await panel.locator('[data-testid=document-kind]').selectOption('charter');
    await panel.locator('#doc-title').fill('联合会章程（草案）');
    await panel.locator('[data-testid=document-new-access]').selectOption('everyone');
    await panel.locator('[data-testid=document-create]').click();
    await expect.poll(() => panel.locator('[data-testid=document-created]').textContent()).toContain('联合会章程（草案）');
    await panel.locator('[data-testid=document-kind]').selectOption('notes');
    await panel.locator('#doc-title').fill('居民组笔记');
    await panel.locator('[data-testid=document-new-access]').selectOption('named');
    await panel.locator('[data-testid=document-form]').getByLabel('安阿姨').check();
    await panel.locator('[data-testid=document-create]').click();
    await expect.poll(() => panel.locator('[data-testid=document-item]').count()).toBe(2);

    await expect.poll(() => rights(resident)).toEqual(['联合会章程（草案） 你可以编辑', '居民组笔记 你可以编辑']);
    await expect.poll(() => rights(merchant)).toEqual(['联合会章程（草案） 你可以编辑', '居民组笔记 只读']);

    // The charter becomes read-only for participants: both phones follow at once.
    const charter = panel.locator('[data-testid=document-item]').filter({ hasText: '联合会章程（草案）' });
    await charter.locator('[data-testid=document-access]').selectOption('readonly');
    await charter.locator('[data-testid=document-access-save]').click();
    await expect.poll(() => rights(resident)).toEqual(['联合会章程（草案） 只读', '居民组笔记 你可以编辑']);
    await expect.poll(() => rights(merchant)).toEqual(['联合会章程（草案） 只读', '居民组笔记 只读']);

    // While people join, the board gives its side panel to the QR code; the documents follow once joining closes.
    const joiningBoard = await pages.board(created, 1024, 768);
    await joiningBoard.locator('[data-testid=board-join]').waitFor();
    expect(await joiningBoard.locator('[data-testid=document-list]').count()).toBe(0);
    const facilitator = keep(await connected(session.hall.url, created.facilitatorToken));
    expect(await facilitator.send({ type: 'joining.close' })).toMatchObject({ ok: true });
    await joiningBoard.locator('[data-testid=board-join-closed]').waitFor();
    await expect.poll(() => joiningBoard.locator('[data-testid=document-list] [data-testid=document-item]').count()).toBe(2);
    for (const [width, height] of [[1024, 768], [1920, 1080]] as const) {
      const board = await pages.board(created, width, height);
      await expect.poll(() => board.locator('[data-testid=document-list] [data-testid=document-item]').count()).toBe(2);
      await shot(board, `board-documents-${width}x${height}`);
      expect(await axeViolations(board)).toEqual([]);
    }
    await panel.scrollIntoViewIfNeeded();
    await shot(console_, 'console-documents-1366');
    await resident.locator('[data-testid=document-list]').scrollIntoViewIfNeeded();
    await shot(resident, 'phone-documents-360');
    expect(await axeViolations(console_)).toEqual([]);
    expect(await axeViolations(resident)).toEqual([]);
    expect(await axeViolations(merchant)).toEqual([]);
  });
});
