import { createRequire } from 'node:module';
import path from 'node:path';
import { permits } from '@yishi/domain';
import { codePointLength } from '@yishi/protocol';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { connected, createLink, createMeeting, join, type TestClient } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { hallSession, LAPTOP, PHONE } from './hall.ts';

/**
 * What participants and the hall see: phones offer only what the meeting would accept, the board says
 * what is true now, counts and stakeholder groups on the cards, a convener told when their topic is
 * hidden, the landing form, text limits counted as the server counts them, and every page free of 404s
 * and of accessibility violations (AAA contrast included). Embedded store only: these are screens.
 */

const SHOTS = path.join(ROOT, 'test-results/screenshots/people');
const BOARD_SIZES = [
  [1024, 768],
  [1920, 1080]
] as const;
const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/** Every 404 any page of any test asked for (the favicon was one on every page). */
const notFound: string[] = [];
const session = hallSession({
  shots: SHOTS,
  env: { COMMAND_RATE: '200', COMMAND_BURST: '200' },
  onContext: (context) =>
    context.on('response', (res) => {
      if (res.status() === 404) notFound.push(res.url());
    })
});
const { newContext } = session;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

/** A phone that joined through the API, as the join page leaves it (the session kept in the browser). */
async function phoneOf(created: { meetingId: string; joinCode: string }, name: string, group: string): Promise<{ page: Page; participantId: string }> {
  const joined = await join(session.hall.url, created.joinCode, name, group);
  const context = await newContext(PHONE);
  await context.addInitScript((session) => {
    localStorage.setItem(`yishi:participant:meeting:${session.meetingId}`, JSON.stringify(session));
    localStorage.setItem(`yishi:participant:code:${session.joinCode}`, JSON.stringify(session));
  }, { ...joined, joinCode: created.joinCode });
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${session.hall.base}/m/${created.meetingId}`);
  await page.locator('[data-testid=me]').waitFor();
  return { page, participantId: joined.participantId };
}

async function boardOf(created: { meetingId: string; facilitatorToken: string }, [width, height]: readonly [number, number] = [1024, 768]): Promise<Page> {
  const token = await createLink(session.hall.url, created.meetingId, created.facilitatorToken);
  const page = await (await newContext({ viewport: { width, height }, locale: 'zh-CN' })).newPage();
  await page.goto(`${session.hall.base}/m/${created.meetingId}/board#token=${token}`);
  await page.locator('[data-testid=board-people]').waitFor();
  return page;
}

async function consoleOf(created: { meetingId: string; facilitatorToken: string }): Promise<Page> {
  const context = await newContext(LAPTOP);
  await context.addInitScript(({ meetingId, token }) => localStorage.setItem(`yishi:facilitator:${meetingId}`, JSON.stringify(token)), {
    meetingId: created.meetingId,
    token: created.facilitatorToken
  });
  const page = await context.newPage();
  await page.goto(`${session.hall.base}/m/${created.meetingId}/facilitator`);
  await page.locator('[data-testid=console-topics]').waitFor();
  return page;
}

async function deskOf(created: { meetingId: string; facilitatorToken: string }): Promise<Page> {
  const token = await createLink(session.hall.url, created.meetingId, created.facilitatorToken, 'secretary');
  const page = await (await newContext(LAPTOP)).newPage();
  await page.goto(`${session.hall.base}/m/${created.meetingId}/secretary#token=${token}`);
  await page.locator('[data-testid=secretary-topics]').waitFor();
  return page;
}

async function advance(facilitator: TestClient, kind: string) {
  const ack = await facilitator.send({ type: 'phase.advance', fromPhaseId: facilitator.state!.phaseId });
  expect(ack).toMatchObject({ ok: true });
  await facilitator.until((s) => s.phases.find((p) => p.id === s.phaseId)?.kind === kind, `phase ${kind}`);
}

async function postAs(client: TestClient, title: string): Promise<string> {
  const ack = await client.send({ type: 'topic.post', title, description: '' });
  expect(ack).toMatchObject({ ok: true });
  const state = await client.until((s) => [...s.topics.values()].some((t) => t.title === title), title);
  return [...state.topics.values()].find((t) => t.title === title)!.id;
}

/** axe-core's findings on the page as it is now: WCAG A/AA and best practice, plus AAA contrast (7:1). */
async function axeViolations(page: Page): Promise<{ id: string; nodes: string[] }[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    type Result = { violations: { id: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] };
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<Result> } }).axe;
    const result = await axe.run(document, { rules: { 'color-contrast-enhanced': { enabled: true } } });
    return result.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
  });
}

const cardOf = (page: Page, list: string, title: string) => page.locator(`[data-testid=${list}] article`, { hasText: title });

describe('people in the hall (sqlite store)', () => {
  test('a phone offers edit and withdraw only where the meeting would take them', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商议事会', groups: ['居民', '商户'] });
    const facilitator = await connected(session.hall.url, created.facilitatorToken);
    const phone = await phoneOf(created, '王阿姨', '居民');
    const actor = { role: 'participant', participantId: phone.participantId } as const;

    // The opening takes no topics: no form, and the phone says so.
    await phone.page.getByText('这个环节暂不收集新议题。').waitFor();
    expect(await phone.page.locator('#topic-title').count()).toBe(0);
    await shot(phone.page, 'phone-opening');

    await advance(facilitator, 'marketplace');
    await phone.page.locator('#topic-title').fill('楼道堆物怎么清理');
    await phone.page.getByRole('button', { name: '提交议题' }).click();
    await phone.page.locator('#topic-title').fill('停车位太少');
    await phone.page.getByRole('button', { name: '提交议题' }).click();
    const merchant = await connected(session.hall.url, (await join(session.hall.url, created.joinCode, '李师傅', '商户')).token);
    const duplicate = await postAs(merchant, '晚上停车难');
    const state = await facilitator.until((s) => s.topics.size === 3, 'three topics');
    const parking = [...state.topics.values()].find((t) => t.title === '停车位太少')!.id;
    // The merchant's duplicate goes under the resident's topic: a merge target can be edited, not withdrawn.
    expect(await facilitator.send({ type: 'topic.merge', targetId: parking, sourceIds: [duplicate] })).toMatchObject({ ok: true });
    const merged = cardOf(phone.page, 'topics', '停车位太少');
    await merged.locator('[data-merged-count="1"]').waitFor();
    expect(await merged.getByRole('button', { name: '修改' }).count()).toBe(1);
    expect(await merged.getByRole('button', { name: '撤回' }).count()).toBe(0);
    const plain = cardOf(phone.page, 'topics', '楼道堆物怎么清理');
    expect(await plain.getByRole('button', { name: '修改' }).count()).toBe(1);
    expect(await plain.getByRole('button', { name: '撤回' }).count()).toBe(1);
    await shot(phone.page, 'phone-marketplace');

    // Through the agenda into the breakouts, which take no topics: nothing offered that would be refused.
    await advance(facilitator, 'agenda');
    await advance(facilitator, 'breakouts');
    await phone.page.locator('[data-phase-kind=breakouts]').waitFor();
    await phone.page.getByText('这个环节暂不收集新议题。').waitFor();
    expect(await phone.page.locator('[data-testid=topics]').getByRole('button', { name: '修改' }).count()).toBe(0);
    const full = await facilitator.until(() => true);
    for (const [title, topic] of [
      ['楼道堆物怎么清理', [...full.topics.values()].find((t) => t.title === '楼道堆物怎么清理')!],
      ['停车位太少', full.topics.get(parking)!]
    ] as const) {
      const allowed = permits(full, { type: 'topic.withdraw', topicId: topic.id }, actor);
      expect(await cardOf(phone.page, 'topics', title).getByRole('button', { name: '撤回' }).count(), title).toBe(allowed ? 1 : 0);
    }
    await shot(phone.page, 'phone-breakouts');
    // What is offered works: a withdraw the phone shows is taken, with no error.
    const withdraw = cardOf(phone.page, 'topics', '楼道堆物怎么清理').getByRole('button', { name: '撤回' });
    if ((await withdraw.count()) === 1) {
      await withdraw.click();
      await expect.poll(() => cardOf(phone.page, 'topics', '楼道堆物怎么清理').count()).toBe(0);
    }
    expect(await phone.page.locator('[role=alert]').count()).toBe(0);

    // After the end, nothing at all.
    expect(await facilitator.send({ type: 'meeting.end' })).toMatchObject({ ok: true });
    await phone.page.getByText('会议已结束，谢谢参与。').waitFor();
    expect(await phone.page.locator('[data-testid=topics] button').count()).toBe(0);
    await shot(phone.page, 'phone-ended');
    facilitator.close();
    merchant.close();
  });

  test('the board asks the hall for what it can do now, phase by phase, and stops inviting when joining is closed', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里开放空间', groups: ['居民', '商户'] });
    const facilitator = await connected(session.hall.url, created.facilitatorToken);
    const board = await boardOf(created);
    const phone = await phoneOf(created, '王阿姨', '居民');

    const look = async (name: string, expected: { now: string; wall?: string; qr: boolean; closedNote: boolean }) => {
      await expect.poll(() => board.locator('[data-testid=board-now]').textContent()).toBe(expected.now);
      if (expected.wall !== undefined) await expect.poll(() => board.locator('[data-testid=board-empty]').textContent()).toBe(expected.wall);
      await expect.poll(() => board.locator('[data-testid=qr]').count()).toBe(expected.qr ? 1 : 0);
      expect(await board.locator('[data-testid=board-join]').count()).toBe(expected.qr ? 1 : 0);
      expect(await board.locator('[data-testid=board-join-closed]').count()).toBe(expected.closedNote ? 1 : 0);
      // Nothing on the board invites posting while phones take none.
      const phoneTakesTopics = (await phone.page.locator('#topic-title').count()) === 1;
      if (!phoneTakesTopics) expect(await board.locator('main').textContent()).not.toContain('请在手机上提出');
      for (const [width, height] of BOARD_SIZES) {
        await board.setViewportSize({ width, height });
        await board.evaluate(() => new Promise((settled) => requestAnimationFrame(() => requestAnimationFrame(settled))));
        expect(await board.evaluate(() => document.documentElement.scrollHeight <= innerHeight + 1)).toBe(true);
        // Nothing in the side panel is cut off at the bottom of the screen.
        const clipped = await board.evaluate(() => {
          const side = document.querySelector('.side')!.getBoundingClientRect();
          return [...document.querySelectorAll('.side > *')].filter((el) => el.getBoundingClientRect().bottom > side.bottom + 1).map((el) => el.className);
        });
        expect(clipped, `${name} ${width}x${height}`).toEqual([]);
        await shot(board, `board-${name}-${width}x${height}`);
      }
      expect(await axeViolations(board), name).toEqual([]);
    };

    // The opening: a welcome and what comes next; the phones take no topics yet, and the board does not ask for them.
    await phone.page.locator('[data-testid=posting-closed]').waitFor();
    await look('opening', {
      now: '欢迎参加！会议马上开始。',
      wall: '稍后大家在手机上提出的议题会显示在这里。',
      qr: true,
      closedNote: false
    });

    await advance(facilitator, 'marketplace');
    await phone.page.locator('#topic-title').waitFor();
    await look('marketplace-empty', { now: '请在手机上提出想讨论的议题。', wall: '还没有议题。请在手机上提出想讨论的议题。', qr: true, closedNote: false });
    await postAs(await connected(session.hall.url, (await join(session.hall.url, created.joinCode, '李师傅', '商户')).token), '夜市摆摊的噪音');
    await board.locator('[data-testid=board-topics] article').waitFor();

    // Joining closed: no code to scan any more, and the board says so.
    expect(await facilitator.send({ type: 'joining.close' })).toMatchObject({ ok: true });
    await look('joining-closed', { now: '请在手机上提出想讨论的议题。', qr: false, closedNote: true });
    expect(await facilitator.send({ type: 'joining.open' })).toMatchObject({ ok: true });

    await advance(facilitator, 'agenda');
    await advance(facilitator, 'breakouts');
    await phone.page.locator('[data-testid=posting-closed]').waitFor();
    await look('breakouts', { now: '这个环节不收集新议题。', qr: true, closedNote: false });

    await advance(facilitator, 'harvest');
    await advance(facilitator, 'convergence');
    await advance(facilitator, 'closing');
    // Closing: thanks, not an invitation to scan, though joining was never closed.
    await look('closing', { now: '会议即将结束，感谢各位参与！', qr: false, closedNote: false });

    expect(await facilitator.send({ type: 'meeting.end' })).toMatchObject({ ok: true });
    await look('ended', { now: '会议已结束，谢谢参与。', qr: false, closedNote: false });
    facilitator.close();
  });

  test('phone and board count the same cards, and every card names its conveners’ stakeholder groups (phone, board, console, desk)', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '民商议事', groups: ['居民', '商户', '物业公司'] });
    const facilitator = await connected(session.hall.url, created.facilitatorToken);
    await advance(facilitator, 'marketplace');
    const resident = await connected(session.hall.url, (await join(session.hall.url, created.joinCode, '王阿姨', '居民')).token);
    const merchant = await connected(session.hall.url, (await join(session.hall.url, created.joinCode, '李师傅', '商户')).token);
    const ids: Record<string, string> = {};
    for (const title of ['停车位太少', '楼道堆物', '公厕开放时间', '快递柜']) ids[title] = await postAs(resident, title);
    for (const title of ['晚上停车难', '油烟扰民', '夜市噪音']) ids[title] = await postAs(merchant, title);
    for (const [title, group] of [
      ['路灯坏了', '物业公司'],
      ['老人食堂', null]
    ] as const) {
      expect(await facilitator.send({ type: 'topic.postFor', title, description: '', convenerName: '赵师傅', convenerGroup: group })).toMatchObject({ ok: true });
    }
    // Two hidden, one merged into another, one withdrawn: 9 posted, 5 cards on the wall.
    expect(await facilitator.send({ type: 'topic.merge', targetId: ids['停车位太少'], sourceIds: [ids['晚上停车难']] })).toMatchObject({ ok: true });
    expect(await facilitator.send({ type: 'topic.hide', topicId: ids['油烟扰民'] })).toMatchObject({ ok: true });
    expect(await facilitator.send({ type: 'topic.hide', topicId: ids['快递柜'] })).toMatchObject({ ok: true });
    expect(await resident.send({ type: 'topic.withdraw', topicId: ids['公厕开放时间'] })).toMatchObject({ ok: true });
    await facilitator.until((s) => [...s.topics.values()].filter((t) => t.withdrawn).length === 1, 'the withdrawal');

    const phone = await phoneOf(created, '周阿姨', '居民');
    const board = await boardOf(created, [1920, 1080]);
    for (const [page, list] of [
      [phone.page, 'topics'],
      [board, 'board-topics']
    ] as const) {
      await expect.poll(() => page.locator(`[data-testid=${list}] article`).count()).toBe(5);
      // Said once, plainly: the heading counts the cards below it.
      await expect.poll(() => page.getByRole('heading', { level: 2, name: /^议题/ }).textContent()).toBe('议题 共 5 个');
    }

    const console_ = await consoleOf(created);
    const desk = await deskOf(created);
    const groupsOn = (page: Page, list: string, title: string) =>
      cardOf(page, list, title)
        .locator('[data-testid=topic-group]')
        .allTextContents()
        .then((tags) => tags.map((t) => t.trim()));
    for (const [page, list] of [
      [phone.page, 'topics'],
      [board, 'board-topics'],
      [console_, 'console-topics'],
      [desk, 'secretary-topics']
    ] as const) {
      await expect.poll(() => groupsOn(page, list, '停车位太少'), { message: list }).toEqual(['居民', '商户']);
      expect(await groupsOn(page, list, '楼道堆物'), list).toEqual(['居民']);
      expect(await groupsOn(page, list, '夜市噪音'), list).toEqual(['商户']);
      expect(await groupsOn(page, list, '路灯坏了'), list).toEqual(['物业公司']);
      expect(await groupsOn(page, list, '老人食堂'), list).toEqual([]);
    }
    await shot(phone.page, 'phone-groups');
    await shot(board, 'board-groups-1920x1080');
    await board.setViewportSize({ width: 1024, height: 768 });
    await shot(board, 'board-groups-1024x768');
    await shot(console_, 'console-groups');
    await shot(desk, 'desk-groups');
    for (const client of [facilitator, resident, merchant]) client.close();
  });

  test('a convener whose topic is hidden is told, until they dismiss it, across a reload and a time offline', { timeout: 90_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里议事会', groups: ['居民', '商户'] });
    const facilitator = await connected(session.hall.url, created.facilitatorToken);
    await advance(facilitator, 'marketplace');
    const phoneContext = await newContext(PHONE);
    const joined = await join(session.hall.url, created.joinCode, '王阿姨', '居民');
    await phoneContext.addInitScript((session) => localStorage.setItem(`yishi:participant:meeting:${session.meetingId}`, JSON.stringify(session)), {
      ...joined,
      joinCode: created.joinCode
    });
    const phone = await phoneContext.newPage();
    phone.on('dialog', (dialog) => void dialog.accept());
    await phone.goto(`${session.hall.base}/m/${created.meetingId}`);
    for (const title of ['小区门口的快递柜', '广场舞音乐太响', '楼下烧烤摊']) {
      await phone.locator('#topic-title').fill(title);
      await phone.getByRole('button', { name: '提交议题' }).click();
      await cardOf(phone, 'topics', title).waitFor();
    }
    const state = await facilitator.until((s) => s.topics.size === 3, 'three topics');
    const idOf = (title: string) => [...state.topics.values()].find((t) => t.title === title)!.id;

    // Withdrawn by the phone itself: no notice.
    await cardOf(phone, 'topics', '楼下烧烤摊').getByRole('button', { name: '撤回' }).click();
    await expect.poll(() => cardOf(phone, 'topics', '楼下烧烤摊').count()).toBe(0);

    // Hidden by the facilitator: the card stays on its convener's phone, flagged hidden, and a notice names it.
    expect(await facilitator.send({ type: 'topic.hide', topicId: idOf('小区门口的快递柜') })).toMatchObject({ ok: true });
    const notices = phone.locator('[data-testid=hidden-notice]');
    await expect.poll(() => notices.allTextContents()).toEqual([expect.stringContaining('“小区门口的快递柜”')]);
    await expect.poll(() => cardOf(phone, 'topics', '小区门口的快递柜').locator('.tag.warn').allTextContents()).toEqual(['已隐藏']);
    await phone.evaluate(() => window.scrollTo(0, 0));
    await shot(phone, 'phone-hidden-notice');
    expect(await axeViolations(phone)).toEqual([]);

    // Hidden while the phone was offline: noticed when it is back.
    await phoneContext.setOffline(true);
    await phone.locator('[data-status=offline]').waitFor();
    expect(await facilitator.send({ type: 'topic.hide', topicId: idOf('广场舞音乐太响') })).toMatchObject({ ok: true });
    await phoneContext.setOffline(false);
    await phone.locator('[data-status=connected]').waitFor();
    await expect.poll(() => notices.count()).toBe(2);

    // A reload keeps them; unhiding takes its notice away (it is no longer true); dismissing the other ends it.
    await phone.reload();
    await phone.locator('[data-testid=me]').waitFor();
    await expect.poll(() => notices.count()).toBe(2);
    expect(await facilitator.send({ type: 'topic.unhide', topicId: idOf('广场舞音乐太响') })).toMatchObject({ ok: true });
    await cardOf(phone, 'topics', '广场舞音乐太响').waitFor();
    await expect.poll(() => notices.allTextContents()).toEqual([expect.stringContaining('小区门口的快递柜')]);
    await notices.getByRole('button', { name: '知道了' }).click();
    await expect.poll(() => notices.count()).toBe(0);
    await phone.reload();
    await phone.locator('[data-testid=me]').waitFor();
    await cardOf(phone, 'topics', '广场舞音乐太响').waitFor();
    expect(await notices.count()).toBe(0);
    facilitator.close();
  });

  test('the landing form ticks residents and merchants only and takes more groups one per line', async () => {
    const page = await (await newContext(PHONE)).newPage();
    await page.goto(`${session.hall.base}/`);
    const ticked = await page.getByRole('checkbox').evaluateAll((boxes) => boxes.filter((b) => (b as HTMLInputElement).checked).map((b) => b.closest('label')!.textContent!.trim()));
    expect(ticked).toEqual(['居民', '商户']);
    const more = page.getByRole('textbox', { name: '其他参与方（每行一个）' });
    expect(await more.evaluate((el) => el.tagName)).toBe('TEXTAREA');
    await page.locator('#title').fill('滨河东里民商议事会');
    await page.getByRole('checkbox', { name: '专家', exact: true }).check();
    await more.fill('物业公司\n业委会');
    await more.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, 'landing-groups');
    await page.getByRole('button', { name: '创建会议' }).click();
    await page.waitForURL(/\/m\/[^/]+\/facilitator$/);
    const code = (await page.locator('[data-testid=console-join-url]').textContent())!.trim().slice(-6);
    const joinPage = await (await newContext(PHONE)).newPage();
    await joinPage.goto(`${session.hall.base}/join/${code}`);
    await joinPage.locator('[data-testid=join-groups]').waitFor();
    expect((await joinPage.locator('[data-testid=join-groups] label.group').allTextContents()).map((t) => t.trim())).toEqual(['居民', '商户', '专家', '物业公司', '业委会']);
  });

  test('text limits are counted as the server counts them: 120 rare characters fit in a title, the 121st does not', { timeout: 60_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '生僻字', groups: ['居民', '商户'] });
    const facilitator = await connected(session.hall.url, created.facilitatorToken);
    await advance(facilitator, 'marketplace');
    const phone = await phoneOf(created, '王阿姨', '居民');
    const rare = '𠀀'; // U+20000: one code point, two UTF-16 units
    const title = phone.page.locator('#topic-title');
    await title.focus();
    await phone.page.keyboard.insertText(rare.repeat(110));
    // Near the limit the counter shows, counting characters, not UTF-16 units.
    const counter = phone.page.locator('#topic-title + [data-testid=text-counter]');
    await expect.poll(() => counter.textContent()).toBe('110/120 字');
    expect(await counter.isVisible()).toBe(true);
    await phone.page.keyboard.insertText(rare.repeat(11));
    expect(codePointLength(await title.inputValue())).toBe(120);
    await expect.poll(() => counter.textContent()).toBe('120/120 字');
    await shot(phone.page, 'phone-limit');
    expect(await axeViolations(phone.page)).toEqual([]);
    await phone.page.getByRole('button', { name: '提交议题' }).click();
    const state = await facilitator.until((s) => s.topics.size === 1, 'the topic');
    expect([...state.topics.values()][0]!.title).toBe(rare.repeat(120));
    await cardOf(phone.page, 'topics', rare.repeat(120)).waitFor();

    // A paste in the middle keeps what was there and takes only what fits, where it was pasted.
    await title.fill(`${'甲'.repeat(60)}${'乙'.repeat(50)}`);
    await title.evaluate((el: HTMLInputElement) => el.setSelectionRange(60, 60));
    await phone.page.keyboard.insertText(rare.repeat(30));
    expect(await title.inputValue()).toBe(`${'甲'.repeat(60)}${rare.repeat(10)}${'乙'.repeat(50)}`);
    // Pinyin being composed is left alone (cutting it would break the input method); what is committed is cut.
    await title.fill('甲'.repeat(119));
    const cdp = await phone.page.context().newCDPSession(phone.page);
    await title.focus();
    await cdp.send('Input.imeSetComposition', { text: '你好', selectionStart: 2, selectionEnd: 2 });
    await expect.poll(() => title.inputValue()).toBe(`${'甲'.repeat(119)}你好`);
    await cdp.send('Input.insertText', { text: '你好' });
    await expect.poll(() => title.inputValue()).toBe(`${'甲'.repeat(119)}你`);
    await cdp.detach();
    // Names too (40): the join page's name field.
    const joinPage = await (await newContext(PHONE)).newPage();
    await joinPage.goto(`${session.hall.base}/join/${created.joinCode}`);
    await joinPage.locator('#name').focus();
    await joinPage.keyboard.insertText(rare.repeat(41));
    expect(codePointLength(await joinPage.locator('#name').inputValue())).toBe(40);
    facilitator.close();
  });

  test('every page loads without a 404 (favicon included), has no maxlength, and passes axe with AAA contrast', { timeout: 120_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商议事会', groups: ['居民', '商户'] });
    const facilitator = await connected(session.hall.url, created.facilitatorToken);
    await advance(facilitator, 'marketplace');
    const other = await connected(session.hall.url, (await join(session.hall.url, created.joinCode, '李师傅', '商户')).token);
    await postAs(other, '夜市摆摊的噪音');
    const before = notFound.length;

    const landing = await (await newContext(PHONE)).newPage();
    await landing.goto(`${session.hall.base}/`);
    const joinPage = await (await newContext(PHONE)).newPage();
    await joinPage.goto(`${session.hall.base}/join/${created.joinCode}`);
    await joinPage.locator('#name').waitFor();
    const phone = await phoneOf(created, '王阿姨', '居民');
    await phone.page.locator('#topic-title').fill('楼道堆物怎么清理');
    await phone.page.getByRole('button', { name: '提交议题' }).click();
    await cardOf(phone.page, 'topics', '楼道堆物怎么清理').waitFor();
    const board = await boardOf(created);
    await board.locator('[data-testid=board-topics] article').first().waitFor();
    const console_ = await consoleOf(created);
    const desk = await deskOf(created);

    for (const [name, page] of [
      ['landing', landing],
      ['join', joinPage],
      ['phone', phone.page],
      ['board', board],
      ['console', console_],
      ['desk', desk]
    ] as const) {
      // The icons the page links, and the one browsers ask for by themselves.
      const icons = await page.locator('link[rel=icon]').evaluateAll((links) => links.map((l) => (l as HTMLLinkElement).href));
      expect(icons.length, name).toBeGreaterThan(0);
      for (const href of [...icons, `${session.hall.base}/favicon.ico`]) {
        const [status, bytes] = await page.evaluate((url) => fetch(url).then(async (res) => [res.status, (await res.arrayBuffer()).byteLength] as const), href);
        expect(status, href).toBe(200);
        expect(bytes, href).toBeGreaterThan(0);
      }
      expect(await page.locator('[maxlength]').count(), name).toBe(0);
      expect(await axeViolations(page), name).toEqual([]);
    }
    expect(notFound.slice(before)).toEqual([]);
    facilitator.close();
    other.close();
  });
});
