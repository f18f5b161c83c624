import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/servers.ts';
import { openHall, type Hall } from './hall.ts';

const SHOTS = path.join(ROOT, 'test-results/screenshots');
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN' };

/** Full-width digits, as a Chinese keyboard types them. */
const fullWidth = (digits: string) => digits.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

async function joinAs(page: Page, name: string, group: string) {
  await page.locator('#name').fill(name);
  await page.locator('label.group', { hasText: group }).click();
  await page.getByRole('button', { name: '进入会议' }).click();
  await page.locator('[data-testid=me]').waitFor();
}

async function postTopic(page: Page, title: string) {
  await page.locator('#topic-title').fill(title);
  await page.getByRole('button', { name: '提交议题' }).click();
  await page.locator('[data-testid=topics] article', { hasText: title }).waitFor();
}

describe('open space: join by QR, live topic marketplace, console and board (sqlite)', () => {
  let hall: Hall;
  const contexts: BrowserContext[] = [];
  const newContext = async (options: Parameters<Hall['browser']['newContext']>[0]) => {
    const context = await hall.browser.newContext(options);
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    return context;
  };

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    hall = await openHall();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await hall?.stop();
  });

  test('facilitator, board and two phones run a topic marketplace', { timeout: 60_000 }, async () => {
    // Facilitator creates the meeting on the landing page.
    const console_ = await (await newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })).newPage();
    await console_.goto(`${hall.base}/`);
    expect(await console_.evaluate(() => window.isSecureContext)).toBe(false);
    await console_.locator('#title').fill('滨河东里居民议事会');
    await console_.getByRole('button', { name: '创建会议' }).click();
    await console_.waitForURL(/\/m\/[^/]+\/facilitator$/);
    const recovery = (await console_.locator('[data-testid=recovery-code]').textContent())?.trim();
    expect(recovery).toBeTruthy();
    await console_.getByRole('button', { name: '我已记下' }).click();
    await expect.poll(() => console_.locator('[data-testid=recovery]').count()).toBe(0);

    // The board link sits behind a click; the board shows a QR code that phones can follow.
    await console_.getByRole('button', { name: /生成链接/ }).click();
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
    expect(decoded?.data).toBe(`${hall.base}/join/${code}`);
    await expect.poll(() => board.locator('[data-testid=board-url]').textContent()).toBe(`${hall.base}/join/${code}`);

    // Phone A types the code (full-width digits); phone B follows the QR.
    const phoneAContext = await newContext(PHONE);
    const phoneA = await phoneAContext.newPage();
    await phoneA.goto(`${hall.base}/`);
    await shot(phoneA, 'landing-phone');
    await phoneA.locator('#join-code').fill(fullWidth(code));
    await phoneA.getByRole('button', { name: '加入', exact: true }).click();
    await phoneA.waitForURL(`${hall.base}/join/${code}`);
    await shot(phoneA, 'join');
    await joinAs(phoneA, '王阿姨', '居民');

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
      const cards = page.locator('article[data-topic-id]');
      await expect.poll(() => cards.count()).toBe(1);
      await expect.poll(() => cards.first().textContent()).toContain('停车位太少');
      await expect.poll(() => page.locator('[data-merged-count="1"]').count()).toBe(1);
    }
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

    // A reloaded phone is the same participant, not a second one.
    await phoneB.reload();
    await expect.poll(() => phoneB.locator('[data-testid=me]').getAttribute('data-participant-id')).toBe(bId);
    await expect.poll(() => console_.locator('[data-testid=people-summary]').textContent()).toBe('在线 2 · 共加入 2');

    // Boards at projector sizes.
    await shot(board, 'board-1920x1080');
    await board.setViewportSize({ width: 1024, height: 768 });
    await board.locator('[data-testid=qr]').waitFor();
    await shot(board, 'board-1024x768');

    // Joining closed: a third phone is refused with a readable message.
    await console_.getByRole('button', { name: '停止加入' }).click();
    await expect.poll(() => console_.locator('[data-testid=joining-state]').textContent()).toBe('已停止加入');
    const phoneC = await (await newContext(PHONE)).newPage();
    await phoneC.goto(`${hall.base}/join/${code}`);
    await phoneC.locator('#name').fill('张大爷');
    await phoneC.locator('label.group', { hasText: '居民' }).click();
    await phoneC.getByRole('button', { name: '进入会议' }).click();
    await expect.poll(() => phoneC.locator('[data-testid=join-error]').textContent()).toContain('不接受新加入');
    await shot(phoneC, 'join-refused');
  });
});
