import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { connected, createLink, createMeeting, join } from '../helpers/clients.ts';
import { ROOT, STORE_KINDS } from '../helpers/servers.ts';
import { launchHallBrowser, openHall, type Hall } from './hall.ts';
import { refuseWebSocketsAndStorage, WECHAT_UA } from './inAppBrowser.ts';

const SHOTS = path.join(ROOT, 'test-results/screenshots');
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN' };

/** Full-width digits, as a Chinese keyboard types them. */
const fullWidth = (digits: string) => digits.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));

let browser: Browser;
beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  browser = await launchHallBrowser();
});
afterAll(async () => {
  await browser?.close();
});

// The long flows get two minutes in all: each step keeps its own 10 s bound (the context default), and a
// busy two-core machine running other test files beside them took a full minute for the longest.
// Each browser flow runs on the embedded store; the main marketplace flow is also the one cross-store
// smoke on Redis (store differences belong in the store contract suite, not in browser flows).
describe.each(STORE_KINDS)('open space in the hall (%s store)', (store) => {
  const embeddedOnly = test.runIf(store === 'sqlite');
  let hall: Hall;
  let contexts: BrowserContext[] = [];
  const newContext = async (options: Parameters<Browser['newContext']>[0]) => {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    return context;
  };
  // Screenshots come from the first store only, so a run leaves one set.
  const shot = async (page: Page, name: string) => {
    if (store === STORE_KINDS[0]) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
  };

  beforeAll(async () => {
    // The 65-topic wall is posted by one facilitator connection: allow it more than a person's command rate.
    hall = await openHall(store, { COMMAND_RATE: '500', COMMAND_BURST: '500' });
    const health = (await (await fetch(`${hall.url}/healthz`)).json()) as { store: string };
    expect(health.store).toBe(store);
  });
  afterEach(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    contexts = [];
  });
  afterAll(async () => {
    await hall?.stop();
  });

  async function joinAs(page: Page, name: string, group: string) {
    await page.locator('#name').fill(name);
    await page.locator('label.group', { hasText: group }).click();
    await page.getByRole('button', { name: '进入会议' }).click();
    await page.locator('[data-testid=me]').waitFor();
  }

  /** The facilitator's console for a meeting made through the API, as on the laptop that made it. */
  async function openConsole(created: { meetingId: string; facilitatorToken: string }): Promise<Page> {
    const laptop = await newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    await laptop.addInitScript(({ meetingId, token }) => localStorage.setItem(`yishi:facilitator:${meetingId}`, JSON.stringify(token)), {
      meetingId: created.meetingId,
      token: created.facilitatorToken
    });
    const page = await laptop.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${hall.base}/m/${created.meetingId}/facilitator`);
    return page;
  }

  async function postTopic(page: Page, title: string) {
    await page.locator('#topic-title').fill(title);
    await page.getByRole('button', { name: '提交议题' }).click();
    await page.locator('[data-testid=topics] article', { hasText: title }).waitFor();
  }

  test('facilitator, board and phones run a topic marketplace', { timeout: 120_000 }, async () => {
    // Facilitator creates a meeting with its own stakeholder groups on the landing page.
    const consoleContext = await newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const console_ = await consoleContext.newPage();
    console_.on('dialog', (dialog) => void dialog.accept());
    await console_.goto(`${hall.base}/`);
    expect(await console_.evaluate(() => window.isSecureContext)).toBe(false);
    await console_.locator('#title').fill('滨河东里民商议事会');
    for (const group of ['居委会', '街道', '社会组织', '专家', '其他']) await console_.getByRole('checkbox', { name: group, exact: true }).uncheck();
    await console_.getByRole('textbox', { name: /参与方/ }).fill('物业公司');
    await console_.getByRole('button', { name: '创建会议' }).click();
    await console_.waitForURL(/\/m\/[^/]+\/facilitator$/);
    const recovery = (await console_.locator('[data-testid=recovery-code]').textContent())?.trim();
    expect(recovery).toBeTruthy();
    await console_.getByRole('button', { name: '我已记下' }).click();
    await expect.poll(() => console_.locator('[data-testid=recovery]').count()).toBe(0);

    // The board link sits behind a click; the board shows a QR code that phones can follow.
    await console_.getByRole('button', { name: /查看与生成链接/ }).click();
    await console_.getByRole('button', { name: '生成投屏链接' }).click();
    const boardUrl = await console_.locator('[data-testid=board-link]').getAttribute('href');
    expect(boardUrl).toMatch(new RegExp(`^${hall.base}/m/[^/]+/board#token=`));
    const board = await (await newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })).newPage();
    await board.goto(boardUrl!);
    const code = (await board.locator('[data-testid=board-code]').textContent())!.trim();
    expect(code).toMatch(/^\d{6}$/);
    expect(board.url()).not.toContain('token='); // taken out of the address bar on the projector
    const qr = board.locator('[data-testid=qr]');
    await qr.waitFor();
    const png = PNG.sync.read(await qr.screenshot());
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    // Just the join page: it asks the server for the meeting's title and groups.
    expect(decoded?.data).toBe(`${hall.base}/join/${code}`);
    await expect.poll(() => board.locator('[data-testid=board-url]').textContent()).toBe(`${hall.base}/join/${code}`);

    // The facilitator's laptop is lost: another device gets the console back with the join and recovery codes.
    const spare = await (await newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })).newPage();
    spare.on('dialog', (dialog) => void dialog.accept());
    await spare.goto(`${hall.base}/`);
    await spare.locator('#recover-join-code').fill(fullWidth(code));
    await spare.locator('#recovery-code').fill(recovery!);
    await spare.getByRole('button', { name: '回到主持台' }).click();
    await spare.waitForURL(console_.url());
    await expect.poll(() => spare.locator('h1').textContent()).toBe('滨河东里民商议事会');
    await expect.poll(() => spare.locator('[data-testid=joining-state]').textContent()).toBe('正在接受加入');

    // Phone A types the code (full-width digits); the join page names the meeting and offers exactly its groups.
    const phoneAContext = await newContext(PHONE);
    const phoneA = await phoneAContext.newPage();
    await phoneA.goto(`${hall.base}/`);
    await shot(phoneA, 'landing-phone');
    await phoneA.locator('#join-code').fill(fullWidth(code));
    await phoneA.getByRole('button', { name: '加入', exact: true }).click();
    await phoneA.waitForURL(`${hall.base}/join/${code}`);
    await expect.poll(() => phoneA.locator('[data-testid=join-title]').textContent()).toContain('滨河东里民商议事会');
    expect((await phoneA.locator('[data-testid=join-groups] label.group').allTextContents()).map((t) => t.trim())).toEqual(['居民', '商户', '物业公司']);
    await shot(phoneA, 'join');

    // Enter that confirms a pinyin candidate (isComposing, keyCode 229) must not submit; a plain Enter does.
    const joinPosts: string[] = [];
    phoneA.on('request', (req) => {
      if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/join') joinPosts.push(req.url());
    });
    await phoneA.locator('#name').fill('王阿姨');
    await phoneA.locator('label.group', { hasText: '居民' }).click();
    const imeEnterPrevented = await phoneA.locator('#name').evaluate((input) => {
      const enter = new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', keyCode: 229, isComposing: true, bubbles: true, cancelable: true });
      return !input.dispatchEvent(enter);
    });
    expect(imeEnterPrevented).toBe(true);
    // The same through Chromium's own input pipeline: an open IME composition, then Enter.
    const cdp = await phoneAContext.newCDPSession(phoneA);
    await phoneA.locator('#name').focus();
    await cdp.send('Input.imeSetComposition', { text: 'a', selectionStart: 1, selectionEnd: 1 });
    await phoneA.keyboard.press('Enter');
    await cdp.send('Input.insertText', { text: '' });
    await cdp.detach();
    await phoneA.locator('#name').fill('王阿姨');
    expect(joinPosts).toEqual([]);
    expect(phoneA.url()).toBe(`${hall.base}/join/${code}`);
    await phoneA.locator('#name').press('Enter');
    await phoneA.locator('[data-testid=me]').waitFor();
    expect(joinPosts).toHaveLength(1);

    const phoneBContext = await newContext(PHONE);
    const phoneB = await phoneBContext.newPage();
    await phoneB.goto(decoded!.data);
    await joinAs(phoneB, '李师傅', '商户');
    const bId = await phoneB.locator('[data-testid=me]').getAttribute('data-participant-id');

    // The facilitator moves from the opening to the topic marketplace; every screen follows.
    await console_.getByRole('button', { name: '下一环节' }).click();
    for (const page of [board, phoneA, phoneB]) await page.locator('[data-phase-kind=marketplace]').waitFor();

    // Topics posted on phones appear live on the board and in the console.
    await postTopic(phoneA, '楼道堆物怎么清理');
    await postTopic(phoneB, '停车位太少');
    await postTopic(phoneB, '晚上停车难');
    const boardCards = board.locator('[data-testid=board-topics] article');
    await expect.poll(() => boardCards.count()).toBe(3);
    await expect.poll(() => console_.locator('[data-testid=console-topics] article').count()).toBe(3);
    await expect.poll(() => board.locator('[data-testid=board-people]').textContent()).toContain('已加入 2 人');
    await expect.poll(() => console_.locator('[data-testid=people-summary]').textContent()).toBe('在线 2 · 共加入 2');
    await expect.poll(() => phoneA.locator('[data-testid=topics] article').count()).toBe(3);

    // The facilitator merges the two parking topics and hides one.
    const consoleTopic = (title: string) => console_.locator('[data-testid=console-topics] article', { hasText: title });
    await consoleTopic('停车位太少').getByRole('checkbox').check();
    await consoleTopic('晚上停车难').getByRole('checkbox').check();
    await console_.getByRole('button', { name: /合并所选/ }).click();
    await consoleTopic('楼道堆物怎么清理').getByRole('button', { name: '隐藏' }).click();
    await expect.poll(() => consoleTopic('楼道堆物怎么清理').textContent()).toContain('已隐藏');

    for (const page of [board, phoneA, phoneB]) {
      const cards = page.locator('article[data-topic-id]:not(.hidden)');
      await expect.poll(() => cards.count()).toBe(1);
      await expect.poll(() => cards.first().textContent()).toContain('停车位太少');
      await expect.poll(() => page.locator('[data-merged-count="1"]').count()).toBe(1);
    }
    // The hidden topic stays on its convener's phone alone, flagged; the board and the other phone do not have it.
    await expect.poll(() => phoneA.locator('article.hidden', { hasText: '楼道堆物怎么清理' }).textContent()).toContain('已隐藏');
    for (const page of [board, phoneB]) expect(await page.locator('article', { hasText: '楼道堆物怎么清理' }).count()).toBe(0);
    await expect.poll(() => console_.locator('[data-testid=console-topics] article').count()).toBe(2);
    await shot(phoneB, 'phone');
    await shot(console_, 'console');

    // Phone A drops off the network while B posts; it comes back and catches up without a reload.
    await phoneAContext.setOffline(true);
    await phoneA.locator('[data-status=offline]').waitFor();
    await postTopic(phoneB, '垃圾分类桶放哪里');
    await expect.poll(() => boardCards.count()).toBe(2);
    await phoneAContext.setOffline(false);
    await phoneA.locator('[data-status=connected]').waitFor();
    await phoneA.locator('[data-testid=topics] article', { hasText: '垃圾分类桶放哪里' }).waitFor();

    // Phone B edits its own topic, then withdraws it; the board follows both.
    const bTopic = phoneB.locator('[data-testid=topics] article', { hasText: '垃圾分类桶放哪里' });
    await bTopic.getByRole('button', { name: '修改' }).click();
    await phoneB.locator('#edit-title').fill('垃圾分类桶放在哪里更方便');
    await phoneB.getByRole('button', { name: '保存' }).click();
    await board.locator('[data-testid=board-topics] article', { hasText: '垃圾分类桶放在哪里更方便' }).waitFor();
    // Only the convener may change a topic: phone A sees no edit controls on B's topic.
    expect(await phoneA.locator('[data-testid=topics] article', { hasText: '垃圾分类桶放在哪里更方便' }).getByRole('button', { name: '修改' }).count()).toBe(0);
    phoneB.once('dialog', (dialog) => void dialog.accept());
    await phoneB.locator('[data-testid=topics] article', { hasText: '垃圾分类桶放在哪里更方便' }).getByRole('button', { name: '撤回' }).click();
    await expect.poll(() => boardCards.count()).toBe(1);
    await expect.poll(() => phoneA.locator('[data-testid=topics] article', { hasText: '垃圾分类桶' }).count()).toBe(0);

    // A reloaded phone is the same participant, not a second one.
    await phoneB.reload();
    await expect.poll(() => phoneB.locator('[data-testid=me]').getAttribute('data-participant-id')).toBe(bId);
    await expect.poll(() => console_.locator('[data-testid=people-summary]').textContent()).toBe('在线 2 · 共加入 2');

    // The phone in English: the switch reloads the page in the other language, same participant.
    await phoneB.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => phoneB.locator('[data-phase-kind=marketplace]').textContent()).toContain('Topic marketplace');
    await expect.poll(() => phoneB.locator('[data-testid=me]').getAttribute('data-participant-id')).toBe(bId);
    await shot(phoneB, 'phone-en');

    // Boards at projector sizes.
    await shot(board, 'board-1920x1080');
    await board.setViewportSize({ width: 1024, height: 768 });
    await board.locator('[data-testid=qr]').waitFor();
    await shot(board, 'board-1024x768');

    // Phone C has the join page open when the recovered console closes joining: refused, and told why.
    const phoneC = await (await newContext(PHONE)).newPage();
    await phoneC.goto(`${hall.base}/join/${code}`);
    await phoneC.locator('#name').fill('张大爷');
    await phoneC.locator('label.group', { hasText: '居民' }).click();
    await spare.getByRole('button', { name: '停止加入' }).click();
    await expect.poll(() => console_.locator('[data-testid=joining-state]').textContent()).toBe('已停止加入');
    await phoneC.getByRole('button', { name: '进入会议' }).click();
    await expect.poll(() => phoneC.locator('[data-testid=join-error]').textContent()).toContain('主持人已停止接受新加入');
    await shot(phoneC, 'join-refused');

    // Phone D opens the join page after that: it says so before anyone types.
    const phoneD = await (await newContext(PHONE)).newPage();
    await phoneD.goto(`${hall.base}/join/${code}`);
    await phoneD.locator('[data-testid=join-closed][data-reason=joining_closed]').waitFor();
    expect(await phoneD.locator('#name').count()).toBe(0);
    await shot(phoneD, 'join-closed');

    // Once the meeting has ended the join page says that instead.
    await console_.getByRole('button', { name: '结束会议' }).click();
    await phoneA.getByText('会议已结束，谢谢参与。').waitFor();
    await expect.poll(() => board.locator('[data-testid=board-join]').count()).toBe(0);
    await phoneD.reload();
    await phoneD.locator('[data-testid=join-closed][data-reason=meeting_ended]').waitFor();
    expect(await phoneD.locator('[data-testid=join-error]').textContent()).toContain('会议已经结束');
  });

  embeddedOnly('the secretary link opens a desk that enters topics for people without a phone', { timeout: 120_000 }, async () => {
    const created = await createMeeting(hall.url, { title: '滨河东里议事会', groups: ['居民', '商户'] });
    const console_ = await openConsole(created);
    await console_.getByRole('button', { name: /查看与生成链接/ }).click();
    await console_.getByRole('button', { name: '生成记录员链接' }).click();
    const secretaryUrl = await console_.getByRole('link', { name: '记录员页面' }).getAttribute('href');
    expect(secretaryUrl).toMatch(new RegExp(`^${hall.base}/m/${created.meetingId}/secretary#token=`));

    // The secretary opens the link on their own laptop: the token leaves the address bar, the desk shows the meeting.
    const desk = await (await newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })).newPage();
    await desk.goto(secretaryUrl!);
    await expect.poll(() => desk.locator('h1').textContent()).toBe('滨河东里议事会');
    expect(desk.url()).toBe(`${hall.base}/m/${created.meetingId}/secretary`);
    // In the opening no topics are taken, and the desk says so rather than offering a form that would be refused.
    await desk.locator('[data-testid=post-for]', { hasText: '这个环节暂不收集新议题' }).waitFor();
    expect(await desk.locator('#for-title').count()).toBe(0);

    await console_.getByRole('button', { name: '下一环节' }).click();
    await desk.locator('[data-phase-kind=marketplace]').waitFor();

    const phone = await (await newContext(PHONE)).newPage();
    await phone.goto(`${hall.base}/join/${created.joinCode}`);
    await joinAs(phone, '王阿姨', '居民');
    // Someone else joins (and is not connected now): the attendance lists both, in the order they came.
    await join(hall.url, created.joinCode, '刘大爷', '居民');
    await expect.poll(() => desk.locator('[data-testid=people-summary]').textContent()).toBe('在线 1 · 共加入 2');
    await expect.poll(() => desk.locator('[data-testid=secretary-people] .group-row').allTextContents()).toEqual(['居民：在线 1 / 共 2']);
    await expect.poll(() => desk.locator('[data-testid=group-names]').allTextContents()).toEqual(['王阿姨、刘大爷']);
    if (store === STORE_KINDS[0]) await desk.locator('[data-testid=secretary-people]').screenshot({ path: path.join(SHOTS, 'secretary-people.png') });

    // A topic from a paper slip: entered for 赵师傅 (商户), with the slip's note as the description.
    await desk.locator('#for-title').fill('公厕开放时间太短');
    await desk.locator('#for-description').fill('早上六点前和晚上九点后都锁门');
    await desk.locator('#for-name').fill('赵师傅');
    await desk.locator('#for-group').selectOption({ label: '商户' });
    await desk.getByRole('button', { name: '录入', exact: true }).click();
    await expect.poll(() => desk.locator('[data-testid=post-for-entered]').textContent()).toBe('已录入：公厕开放时间太短');
    // Ready for the next slip: the form is empty and the cursor is back in the title.
    expect(await desk.locator('#for-title').inputValue()).toBe('');
    expect(await desk.locator('#for-title').evaluate((el) => el === document.activeElement)).toBe(true);

    for (const [page, list] of [
      [desk, 'secretary-topics'],
      [console_, 'console-topics'],
      [phone, 'topics']
    ] as const) {
      const card = page.locator(`[data-testid=${list}] article`, { hasText: '公厕开放时间太短' });
      await expect.poll(() => card.textContent()).toContain('赵师傅');
    }

    // The desk records; it does not moderate or run the meeting.
    for (const name of ['隐藏', '合并所选', '下一环节', '上一环节', '停止加入', '结束会议', '生成投屏链接', '生成记录员链接', '撤销']) {
      expect(await desk.getByRole('button', { name: new RegExp(name) }).count(), name).toBe(0);
    }

    // A topic the facilitator hides leaves the phones but stays on the secretary's record, marked.
    await console_.locator('[data-testid=console-topics] article', { hasText: '公厕开放时间太短' }).getByRole('button', { name: '隐藏' }).click();
    await expect.poll(() => phone.locator('[data-testid=topics] article', { hasText: '公厕开放时间太短' }).count()).toBe(0);
    await expect.poll(() => desk.locator('[data-testid=secretary-topics] article', { hasText: '公厕开放时间太短' }).textContent()).toContain('已隐藏');
    await desk.evaluate(() => window.scrollTo(0, 0));
    await shot(desk, 'secretary');
    // A secretary on a phone: one column, nothing wider than the screen.
    await desk.setViewportSize({ width: 360, height: 740 });
    expect(await desk.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(desk, 'secretary-phone');
    await desk.setViewportSize({ width: 1280, height: 900 });

    // A reload keeps the desk: the token was kept in the browser.
    await desk.reload();
    await expect.poll(() => desk.locator('[data-testid=secretary-topics] article').count()).toBe(1);

    // The facilitator revokes the secretary link: the desk disconnects at once and says why; the console marks it.
    const secretaryRow = console_.locator('[data-testid=links] li[data-role=secretary]');
    await secretaryRow.getByRole('button', { name: '撤销' }).click();
    await expect.poll(() => desk.locator('[data-testid=secretary-fatal]').textContent()).toContain('这个链接已失效');
    expect(await desk.locator('#for-title').count()).toBe(0);
    await expect.poll(() => secretaryRow.getAttribute('data-revoked')).toBe('true');
    await expect.poll(() => secretaryRow.textContent()).toContain('已撤销');
    // A link made afterwards works, and the list shows both, newest first.
    await console_.getByRole('button', { name: '生成记录员链接' }).click();
    await expect.poll(() => console_.locator('[data-testid=links] li[data-role=secretary]').count()).toBe(2);
    expect(await console_.locator('[data-testid=links] li[data-role=secretary]').first().getAttribute('data-revoked')).toBe('false');
    const again = await (await newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })).newPage();
    await again.goto((await console_.getByRole('link', { name: '记录员页面' }).getAttribute('href'))!);
    await expect.poll(() => again.locator('h1').textContent()).toBe('滨河东里议事会');
    // A board link revoked while on the projector: the wall goes and the screen says why.
    await console_.getByRole('button', { name: '生成投屏链接' }).click();
    const projector = await (await newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN' })).newPage();
    await projector.goto((await console_.locator('[data-testid=board-link]').getAttribute('href'))!);
    await projector.locator('[data-testid=qr]').waitFor();
    await console_.locator('[data-testid=links] li[data-role=board]').getByRole('button', { name: '撤销' }).click();
    await expect.poll(() => projector.locator('[data-testid=board-fatal]').textContent()).toContain('这个链接已失效');
    expect(await projector.locator('[data-testid=qr]').count()).toBe(0);
    await shot(projector, 'board-revoked');
    if (store === STORE_KINDS[0]) await console_.locator('[data-testid=links]').screenshot({ path: path.join(SHOTS, 'console-links.png') });

    // Without the link there is nothing to see, and the page says what to do.
    const stranger = await (await newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })).newPage();
    await stranger.goto(`${hall.base}/m/${created.meetingId}/secretary`);
    await expect.poll(() => stranger.locator('[data-testid=secretary-no-token]').textContent()).toContain('请向主持人要记录员链接');
  });

  embeddedOnly('a phone in an in-app browser that refuses WebSockets and storage still joins and posts, over long-polling', async () => {
    const created = await createMeeting(hall.url, { title: '微信里打开的会议' });
    const facilitator = await connected(hall.url, created.facilitatorToken);
    expect(await facilitator.send({ type: 'phase.advance', fromPhaseId: facilitator.state!.phaseId })).toMatchObject({ ok: true });
    const context = await newContext({
      ...PHONE,
      userAgent: WECHAT_UA
    });
    await refuseWebSocketsAndStorage(context);
    const polls: string[] = [];
    context.on('request', (req) => {
      if (req.url().includes('/socket.io/') && req.url().includes('transport=polling')) polls.push(req.url());
    });
    const phone = await context.newPage();
    const pageErrors: string[] = [];
    phone.on('pageerror', (err) => pageErrors.push(err.message));
    await phone.goto(`${hall.base}/join/${created.joinCode}`);
    await joinAs(phone, '周阿姨', '居民');
    await phone.locator('[data-status=connected]').waitFor();
    await postTopic(phone, '小区门口的快递柜');
    await facilitator.until((s) => [...s.topics.values()].some((t) => t.title === '小区门口的快递柜'), 'the topic reached the server');
    // And the other way: a topic entered by the facilitator reaches this phone.
    expect(await facilitator.send({ type: 'topic.postFor', title: '路灯坏了', description: '', convenerName: '赵师傅', convenerGroup: null })).toMatchObject({ ok: true });
    await phone.locator('[data-testid=topics] article', { hasText: '路灯坏了' }).waitFor();
    expect(polls.length).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
    facilitator.close();
  });

  embeddedOnly('a form used before the page script has run is not lost (slow phone on hall Wi-Fi)', async () => {
    const context = await newContext(PHONE);
    // The app's scripts are held back, as on a congested hall network: the server-rendered form is on
    // screen and can be typed into before the page is hydrated.
    let release!: () => void;
    const scriptsMayLoad = new Promise<void>((resolve) => (release = resolve));
    await context.route('**/_app/immutable/**', async (route) => {
      await scriptsMayLoad;
      await route.continue();
    });
    const created = await createMeeting(hall.url, { title: '慢网络' });
    const phone = await context.newPage();
    await phone.goto(`${hall.base}/`, { waitUntil: 'commit' });
    await phone.locator('#join-code').fill(created.joinCode);
    // Enter before hydration must not make the browser's own form request (which would reload the page
    // and lose the code): the submit button stays disabled until the script runs.
    await phone.locator('#join-code').press('Enter');
    expect(await phone.getByRole('button', { name: '加入', exact: true }).isDisabled()).toBe(true);
    release();
    await phone.getByRole('button', { name: '加入', exact: true }).click();
    await phone.waitForURL(`${hall.base}/join/${created.joinCode}`);
    await phone.locator('h1', { hasText: '加入会议' }).waitFor();
  });

  embeddedOnly('a phone that never chose a language joins an English meeting in English, once', async () => {
    const created = await createMeeting(hall.url, { title: 'Riverside review', language: 'en', groups: ['Residents', 'Experts'] });
    const phone = await (await newContext(PHONE)).newPage();
    await phone.goto(`${hall.base}/join/${created.joinCode}`);
    await phone.locator('h1', { hasText: 'Join the meeting' }).waitFor();
    await phone.locator('label.group', { hasText: 'Experts' }).waitFor();
    // Choosing Chinese afterwards sticks: the meeting's language does not take over again.
    await phone.getByRole('button', { name: '中文' }).click();
    await phone.locator('h1', { hasText: '加入会议' }).waitFor();
    await phone.reload();
    await phone.locator('label.group', { hasText: 'Experts' }).waitFor();
    expect(await phone.locator('h1').textContent()).toContain('加入会议');
  });

  embeddedOnly('a wall of 65 topics pages through at 1024x768 and 1920x1080, turned from the console or the board keys', { timeout: 120_000 }, async () => {
    const created = await createMeeting(hall.url, { title: '滨河东里开放空间：大家关心的事', groups: ['居民', '商户', '物业公司'] });
    const facilitator = await connected(hall.url, created.facilitatorToken);
    const advanced = await facilitator.send({ type: 'phase.advance', fromPhaseId: facilitator.state!.phaseId });
    expect(advanced).toMatchObject({ ok: true });
    const subjects = ['楼道堆物', '停车位', '垃圾分类', '老人食堂', '儿童游乐场', '电动车充电', '绿化带', '噪音扰民', '快递柜', '商户油烟', '夜市摆摊', '公厕'];
    const titles = Array.from({ length: 65 }, (_, i) => {
      const subject = subjects[i % subjects.length]!;
      // Every fifth title is as long as people write them on a phone.
      return i % 5 === 0 ? `${i + 1}. ${subject}的问题拖了好几年，能不能请居委会和物业一起拿个办法出来？` : `${i + 1}. ${subject}怎么办`;
    });
    for (const [i, title] of titles.entries()) {
      const ack = await facilitator.send({ type: 'topic.postFor', title, description: '', convenerName: `${i % 9}号楼居民`, convenerGroup: i % 3 === 0 ? '商户' : '居民' });
      expect(ack).toMatchObject({ ok: true });
    }
    const topicIds = new Set(facilitator.state!.topics.keys());
    facilitator.close();
    expect(topicIds.size).toBe(65);

    // Console on the facilitator's laptop, board on another machine: the server relays the paging.
    const console_ = await openConsole(created);
    await console_.locator('[data-testid=board-pager]').waitFor();
    const boardToken = await createLink(hall.url, created.meetingId, created.facilitatorToken);
    const board = await (await newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN' })).newPage();
    await board.goto(`${hall.base}/m/${created.meetingId}/board#token=${boardToken}`);
    const pager = board.locator('[data-testid=board-page]');
    await pager.waitFor();

    // The facilitator stops auto-advance so the page only moves when told.
    await console_.getByRole('button', { name: '自动翻页：开' }).click();
    await console_.getByRole('button', { name: '自动翻页：关' }).waitFor();

    const pageOfBoard = async () => Number(await pager.getAttribute('data-page'));
    /** Cards on the current page, and any that spill out of their box or the wall, or cut their title. */
    const inspect = () =>
      board.evaluate(() => {
        const wall = document.querySelector('.wall')!.getBoundingClientRect();
        const cards = [...document.querySelectorAll<HTMLElement>('[data-testid=board-topics] article')];
        const problems: string[] = [];
        let smallestTitlePx = Infinity;
        for (const card of cards) {
          const box = card.getBoundingClientRect();
          const title = card.querySelector<HTMLElement>('h3')!;
          smallestTitlePx = Math.min(smallestTitlePx, parseFloat(getComputedStyle(title).fontSize));
          const label = title.textContent!.slice(0, 12);
          if (card.scrollHeight > card.clientHeight + 1 || card.scrollWidth > card.clientWidth + 1) problems.push(`${label}: content overflows its card`);
          if (title.scrollHeight > title.clientHeight + 1) problems.push(`${label}: title cut off`);
          if (box.top < wall.top - 1 || box.bottom > wall.bottom + 1 || box.left < wall.left - 1 || box.right > wall.right + 1) problems.push(`${label}: card outside the wall`);
        }
        const page = document.documentElement;
        if (page.scrollHeight > innerHeight + 1 || page.scrollWidth > innerWidth + 1) problems.push('the board scrolls');
        return { ids: cards.map((c) => c.dataset.topicId!), problems, smallestTitlePx };
      });

    for (const [width, height] of [
      [1024, 768],
      [1920, 1080]
    ] as const) {
      await board.setViewportSize({ width, height });
      await board.evaluate(() => new Promise((settled) => requestAnimationFrame(() => requestAnimationFrame(settled))));
      await expect.poll(() => console_.locator('[data-testid=board-pager-state]').textContent()).toMatch(/投屏：第 \d+\/\d+ 页/);
      const pages = Number(await pager.getAttribute('data-pages'));
      expect(pages).toBeGreaterThan(1);
      const seen = new Set<string>();
      for (let turn = 0; turn < pages; turn++) {
        const before = await pageOfBoard();
        const { ids, problems, smallestTitlePx } = await inspect();
        expect(problems, `${width}x${height} page ${before}`).toEqual([]);
        expect(smallestTitlePx).toBeGreaterThanOrEqual(width >= 1920 ? 30 : 22);
        for (const id of ids) seen.add(id);
        if (before === 1) await shot(board, `board-60-${width}x${height}`);
        // Alternate the two controls: the console's button and the board's own keys (a presenter clicker).
        if (turn % 2 === 0) await console_.getByRole('button', { name: '下一页' }).click();
        else await board.keyboard.press('PageDown');
        await expect.poll(pageOfBoard).toBe((before % pages) + 1);
      }
      expect([...seen].sort()).toEqual([...topicIds].sort());
      // And back: the previous-page controls.
      const at = await pageOfBoard();
      await board.keyboard.press('PageUp');
      await expect.poll(pageOfBoard).toBe(at === 1 ? pages : at - 1);
      await console_.getByRole('button', { name: '上一页' }).click();
      await expect.poll(pageOfBoard).toBe(((at - 3 + pages) % pages) + 1);
    }
  });
});
