import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { connected, createLink, createMeeting, join, type TestClient } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { hallSession, LAPTOP } from './hall.ts';

/**
 * The staff screens as a facilitator and a secretary use them: the console on a 1366×768 laptop, the
 * secretary's desk, the board on the projector. Embedded store only: these are screens, not storage.
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots');
const LONG_TITLE = '晚上小区里的停车位远远不够，外来车辆长期占用居民车位，消防通道也经常被堵住，老人看病叫救护车都进不来，希望物业、商户和居委会一起想办法';

const session = hallSession({ shots: SHOTS });
const { newContext, keep } = session;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });

/** The console on the laptop that made the meeting: its token kept, and (`fresh`) the recovery code still to be noted. */
async function openConsole(created: { meetingId: string; facilitatorToken: string; recoveryCode: string }, fresh = false): Promise<{ page: Page; context: BrowserContext }> {
  const context = await newContext(LAPTOP);
  await context.addInitScript(({ meetingId, token, recovery }) => {
    localStorage.setItem(`yishi:facilitator:${meetingId}`, JSON.stringify(token));
    if (recovery) localStorage.setItem(`yishi:recovery:${meetingId}`, JSON.stringify(recovery));
  }, { meetingId: created.meetingId, token: created.facilitatorToken, recovery: fresh ? created.recoveryCode : null });
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${session.hall.base}/m/${created.meetingId}/facilitator`);
  await page.locator('h1').waitFor();
  return { page, context };
}

async function participantClient(joinCode: string, name: string): Promise<{ client: TestClient; id: string }> {
  const joined = await join(session.hall.url, joinCode, name, '居民');
  const client = await connected(session.hall.url, joined.token);
  keep(client);
  return { client, id: joined.participantId };
}

async function post(client: TestClient, title: string): Promise<void> {
  expect(await client.send({ type: 'topic.post', title, description: '' })).toMatchObject({ ok: true });
}

const topicCard = (page: Page, list: string, title: string) => page.locator(`[data-testid=${list}] > li`, { has: page.locator('h3', { hasText: title }) });

describe('staff screens', () => {
  test('the console leads with the projector: one click opens the board, above the fold of a 1366×768 laptop; ending the meeting stands apart', { timeout: 60_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商议事会', groups: ['居民', '商户'] });
    // Just after creating the meeting: the recovery code still waits to be noted.
    const { page: console_, context } = await openConsole(created, true);
    await console_.locator('[data-testid=recovery-code]').waitFor();
    const open = console_.getByRole('button', { name: '在投影上打开看板' });
    const box = await open.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y + box!.height).toBeLessThanOrEqual(768);
    await shot(console_, 'console-1366x768-new');

    const [board] = await Promise.all([context.waitForEvent('page'), open.click()]);
    await expect.poll(() => board.locator('[data-testid=board-code]').textContent()).toBe(created.joinCode);
    expect(board.url()).toBe(`${session.hall.base}/m/${created.meetingId}/board`);
    // The board answers the console: its pages turn from the projector card.
    await console_.locator('[data-testid=board-pager-state]').waitFor();
    // A second click opens the same board again rather than handing out another link.
    await console_.getByRole('button', { name: '再次打开看板' }).waitFor();

    // Ending the meeting is not among the everyday controls: its own section at the end, and asked first.
    const endSection = console_.locator('[data-testid=console-end]');
    expect(await endSection.getByRole('button', { name: '结束会议' }).count()).toBe(1);
    expect(await endSection.getByRole('button', { name: '停止加入' }).count()).toBe(0);
    const joiningSection = console_.locator('section', { has: console_.getByRole('button', { name: '停止加入' }) });
    expect(await joiningSection.getByRole('button', { name: '结束会议' }).count()).toBe(0);
    const endBox = await endSection.boundingBox();
    const topicsBox = await console_.locator('[data-testid=post-for]').boundingBox();
    expect(endBox!.y).toBeGreaterThan(topicsBox!.y + topicsBox!.height);
    let asked = '';
    console_.removeAllListeners('dialog');
    console_.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.dismiss();
    });
    await endSection.getByRole('button', { name: '结束会议' }).click();
    await expect.poll(() => asked).toContain('确定结束会议吗');
    expect(await console_.locator('[data-testid=console-ended]').count()).toBe(0);
    await endSection.scrollIntoViewIfNeeded();
    await shot(console_, 'console-end-section');
  });

  test('the facilitator merges under the title they choose, counts say what is counted, and one topic goes on the board in full', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里议事会', groups: ['居民', '商户'] });
    const { page: console_ } = await openConsole(created);
    await console_.getByRole('button', { name: '下一环节' }).click();
    await console_.locator('[data-phase-kind=marketplace]').waitFor();
    const ann = await participantClient(created.joinCode, '王阿姨');
    const bob = await participantClient(created.joinCode, '刘大爷');
    await bob.client.until((s) => s.phases.find((p) => p.id === s.phaseId)?.kind === 'marketplace');
    await post(ann.client, '停车难');
    await post(bob.client, LONG_TITLE);
    await post(ann.client, '楼道堆物怎么清理');
    await post(bob.client, '路灯不亮');

    const board = await (await newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })).newPage();
    await board.goto(`${session.hall.base}/m/${created.meetingId}/board#token=${await createLink(session.hall.url, created.meetingId, created.facilitatorToken)}`);
    await board.locator('[data-testid=board-topics]').waitFor();
    await expect.poll(() => board.locator('[data-testid=board-topics] li').count(), { timeout: 10_000 }).toBe(4);

    // Merge the two parking topics, keeping the newer, fuller title rather than the oldest.
    await expect.poll(() => console_.locator('[data-testid=console-topics] > li').count()).toBe(4);
    await topicCard(console_, 'console-topics', '停车难').getByRole('checkbox', { name: '选择' }).check();
    await topicCard(console_, 'console-topics', LONG_TITLE).getByRole('checkbox', { name: '选择' }).check();
    const keep = console_.locator('[data-testid=merge-keep]');
    expect((await keep.locator('label').allTextContents()).map((t) => t.trim())).toEqual(['停车难', LONG_TITLE]);
    expect(await keep.getByRole('radio', { name: '停车难' }).isChecked()).toBe(true); // the oldest unless another is chosen
    await keep.getByRole('radio', { name: LONG_TITLE }).check();
    await console_.getByRole('button', { name: /合并所选/ }).click();
    await expect.poll(() => console_.locator('[data-testid=console-topics] > li').count()).toBe(3);
    const merged = topicCard(console_, 'console-topics', LONG_TITLE);
    await expect.poll(() => merged.locator('[data-merged-count]').getAttribute('data-merged-count')).toBe('1');
    await expect.poll(() => board.locator('[data-testid=board-topics] li').count()).toBe(3);
    expect(await board.locator('[data-testid=board-topics] li h3').allTextContents()).toContain(LONG_TITLE);

    // Hide one: the console counts what the board shows, and the hidden one apart.
    await topicCard(console_, 'console-topics', '楼道堆物怎么清理').getByRole('button', { name: '隐藏' }).click();
    await expect.poll(() => board.locator('[data-testid=board-topics] li').count()).toBe(2);
    await expect.poll(() => console_.locator('[data-testid=console-topics-count]').textContent()).toBe('共 2 个，另有 1 个已隐藏');
    // A hidden topic cannot go on the board in full; a shown one can.
    expect(await topicCard(console_, 'console-topics', '楼道堆物怎么清理').getByRole('button', { name: '在看板上完整显示' }).count()).toBe(0);

    // The long title is cut on the wall; the facilitator puts it on the board in full.
    await merged.getByRole('button', { name: '在看板上完整显示' }).click();
    await expect.poll(() => board.locator('[data-testid=spotlight-title]').textContent()).toBe(LONG_TITLE);
    await expect.poll(() => board.locator('[data-testid=spotlight]').textContent()).toContain('王阿姨');
    const full = await board.locator('[data-testid=spotlight-title]').evaluate((el) => el.scrollHeight <= el.clientHeight + 1);
    expect(full).toBe(true);
    await shot(board, 'board-spotlight-1366x768');
    await expect.poll(() => console_.locator('[data-testid=spotlight-now]').textContent()).toContain(LONG_TITLE);
    await shot(console_, 'console-spotlight-1366x768');
    // A board that reloads still shows it: the spotlight is part of the meeting's state.
    await board.reload();
    await expect.poll(() => board.locator('[data-testid=spotlight-title]').textContent()).toBe(LONG_TITLE);

    // Hiding the topic takes it down everywhere; another goes up and is taken down from the projector card.
    await merged.getByRole('button', { name: '隐藏' }).click();
    await expect.poll(() => board.locator('[data-testid=spotlight]').count()).toBe(0);
    // Its merged duplicate stands alone again on the board, and the console counts it as the board does.
    await expect.poll(() => board.locator('[data-testid=board-topics] li').count()).toBe(2);
    await expect.poll(() => console_.locator('[data-testid=console-topics-count]').textContent()).toBe('共 2 个，另有 2 个已隐藏');
    await topicCard(console_, 'console-topics', '路灯不亮').getByRole('button', { name: '在看板上完整显示' }).click();
    await expect.poll(() => board.locator('[data-testid=spotlight-title]').textContent()).toBe('路灯不亮');
    await console_.locator('[data-testid=spotlight-now]').getByRole('button', { name: '从看板撤下' }).click();
    await expect.poll(() => board.locator('[data-testid=spotlight]').count()).toBe(0);
  });

  test('staff correct what staff entered; after the end only the record can be completed, marked as added after the end, and refusals say why', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里议事会', groups: ['居民', '商户'] });
    const { page: console_, context } = await openConsole(created);
    const desk = await (await newContext(LAPTOP)).newPage();
    desk.on('dialog', (dialog) => void dialog.accept());
    await desk.goto(`${session.hall.base}/m/${created.meetingId}/secretary#token=${await createLink(session.hall.url, created.meetingId, created.facilitatorToken, 'secretary')}`);
    await console_.getByRole('button', { name: '下一环节' }).click();
    await desk.locator('[data-phase-kind=marketplace]').waitFor();
    const ann = await participantClient(created.joinCode, '王阿姨');
    await participantClient(created.joinCode, '刘大爷');
    await ann.client.until((s) => s.phases.find((p) => p.id === s.phaseId)?.kind === 'marketplace');
    await post(ann.client, '停车难');

    // The secretary enters a slip with a typo, then corrects it: staff can correct what staff entered.
    await desk.locator('#for-title').fill('加妆电梯');
    await desk.locator('#for-name').fill('赵师傅');
    await desk.getByRole('button', { name: '录入', exact: true }).click();
    const slip = topicCard(desk, 'secretary-topics', '加妆电梯');
    await slip.getByRole('button', { name: '修改' }).click();
    // The form is filled once the page has rendered the click: wait for it, do not read it once.
    await expect.poll(() => desk.locator('#for-title').inputValue()).toBe('加妆电梯');
    await desk.locator('#for-title').fill('加装电梯');
    await desk.getByRole('button', { name: '保存修改' }).click();
    await topicCard(console_, 'console-topics', '加装电梯').waitFor();
    // A participant's own topic is theirs: neither screen offers to edit or withdraw it.
    for (const [page, list] of [[desk, 'secretary-topics'], [console_, 'console-topics']] as const) {
      expect(await topicCard(page, list, '停车难').getByRole('button', { name: /修改|撤回/ }).count()).toBe(0);
      await topicCard(page, list, '加装电梯').getByRole('button', { name: '修改' }).waitFor();
      await topicCard(page, list, '加装电梯').getByRole('button', { name: '撤回' }).waitFor();
    }

    // In breakouts no topics are taken or edited: the form and 修改 go, withdrawing stays.
    await console_.getByRole('button', { name: '下一环节' }).click();
    await console_.locator('[data-phase-kind=agenda]').waitFor();
    await console_.getByRole('button', { name: '下一环节' }).click();
    await desk.locator('[data-phase-kind=breakouts]').waitFor();
    await desk.locator('[data-testid=post-for]', { hasText: '这个环节暂不收集新议题' }).waitFor();
    expect(await topicCard(desk, 'secretary-topics', '加装电梯').getByRole('button', { name: '修改' }).count()).toBe(0);
    expect(await topicCard(desk, 'secretary-topics', '加装电梯').getByRole('button', { name: '撤回' }).count()).toBe(1);

    // A second console tab asks to remove someone; while its confirm is open the meeting ends elsewhere.
    // The refusal speaks of the end, not of joining.
    const second = await context.newPage();
    await second.goto(`${session.hall.base}/m/${created.meetingId}/facilitator`);
    const facilitator = await connected(session.hall.url, created.facilitatorToken);
    keep(facilitator);
    second.once('dialog', async (dialog) => {
      expect(await facilitator.send({ type: 'meeting.end' })).toMatchObject({ ok: true });
      await dialog.accept();
    });
    await second.locator(`[data-participant-id="${ann.id}"]`).getByRole('button', { name: '移出' }).click();
    await expect.poll(() => second.locator('[data-testid=console-error]').textContent()).toBe('会议已经结束，不能再做这项操作。');
    expect(await ann.client.send({ type: 'topic.post', title: '还想说', description: '' })).toMatchObject({ ok: false, error: { code: 'closed', reason: 'after_end' } });

    // After the end the console offers exactly what completes the record.
    await console_.locator('[data-testid=console-ended]').waitFor();
    const gone = ['隐藏', '恢复显示', '撤销合并', '移出', '上一环节', '下一环节', '停止加入', '重新开放加入', '结束会议', '在看板上完整显示', /合并所选/];
    for (const name of gone) expect(await console_.getByRole('button', { name }).count(), String(name)).toBe(0);
    expect(await console_.getByRole('checkbox', { name: '选择' }).count()).toBe(0);
    expect(await console_.getByRole('button', { name: '改名' }).count()).toBe(2);
    await console_.locator('[data-testid=post-for] h2', { hasText: '会后补记议题' }).waitFor();
    await topicCard(console_, 'console-topics', '加装电梯').getByRole('button', { name: '修改' }).waitFor();

    // The facilitator corrects a name; the secretary enters a slip left over; both are marked.
    const row = console_.locator(`[data-participant-id="${ann.id}"]`);
    await row.getByRole('button', { name: '改名' }).click();
    await row.getByRole('textbox').fill('王秀兰');
    await row.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => row.textContent()).toContain('王秀兰会后补记');
    await desk.locator('[data-testid=post-for] h2', { hasText: '会后补记议题' }).waitFor();
    await desk.locator('#for-title').fill('公厕开放时间太短');
    await desk.locator('#for-name').fill('钱阿姨');
    await desk.getByRole('button', { name: '录入', exact: true }).click();
    await expect.poll(() => topicCard(console_, 'console-topics', '公厕开放时间太短').textContent()).toContain('会后补记');
    await expect.poll(() => topicCard(desk, 'secretary-topics', '公厕开放时间太短').textContent()).toContain('会后补记');
    expect(await topicCard(desk, 'secretary-topics', '加装电梯').textContent()).not.toContain('会后补记');
    await expect.poll(() => desk.locator('[data-testid=group-names]').allTextContents()).toEqual(['王秀兰（会后补记）、刘大爷']);
    // The desk offers the same: no moderation, the form and name corrections.
    for (const name of ['隐藏', '结束会议', '下一环节']) expect(await desk.getByRole('button', { name }).count(), name).toBe(0);
    const renameForm = desk.locator('[data-testid=secretary-rename]');
    await renameForm.getByLabel('参会者').selectOption({ label: '刘大爷' });
    await expect.poll(() => renameForm.getByLabel('正确的姓名').inputValue()).toBe('刘大爷');
    await renameForm.getByLabel('正确的姓名').fill('刘建国');
    await renameForm.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => desk.locator('[data-testid=group-names]').allTextContents()).toEqual(['王秀兰（会后补记）、刘建国（会后补记）']);
    await expect.poll(() => console_.locator('[data-testid=console-people]').textContent()).toContain('刘建国会后补记');

    await console_.evaluate(() => window.scrollTo(0, 0));
    await shot(console_, 'console-ended-1366x768');
    await console_.screenshot({ path: path.join(SHOTS, 'console-ended-full.png'), fullPage: true });
    await desk.evaluate(() => window.scrollTo(0, 0));
    await shot(desk, 'secretary-ended-1366x768');
  });
});
