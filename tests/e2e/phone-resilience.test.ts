import path from 'node:path';
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import type { MeetingState } from '@yishi/domain';
import { describe, expect, test } from 'vitest';
import { connected, createMeeting, join, type TestClient } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { hallSession, PHONE } from './hall.ts';

/*
 * A phone on a shaky hall Wi-Fi: a topic posted while the server cannot be reached survives a reload
 * and arrives once; a session of an ended meeting does not send the phone back into it when its code is
 * handed out again; a join whose answer was lost is sent again with the same join key.
 */

const session = hallSession({ shots: path.join(ROOT, 'test-results/screenshots') });
const { keep } = session;
const newPhone = () => session.newContext(PHONE);

/** A meeting in its topic marketplace, and its facilitator connected from Node. */
async function marketplace() {
  const m = await createMeeting(session.hall.url);
  const fac = await connected(session.hall.url, m.facilitatorToken);
  keep(fac);
  expect(await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).toMatchObject({ ok: true });
  return { m, fac };
}

async function joinAs(page: Page, name: string, group: string) {
  await page.locator('#name').fill(name);
  await page.locator('label.group', { hasText: group }).click();
  await page.getByRole('button', { name: '进入会议' }).click();
  await page.locator('[data-testid=me]').waitFor();
}

/**
 * The phone's Socket.IO traffic passes through here: `cut()` drops its connection and refuses new ones
 * (WebSocket and long-polling), `restore()` lets it through again; `dropAcks` loses the server's answers.
 */
async function switchableNetwork(context: BrowserContext) {
  const net = { blocked: false, dropAcks: false, live: [] as WebSocketRoute[] };
  await context.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (net.blocked) return void ws.close();
    const server = ws.connectToServer();
    ws.onMessage((msg) => server.send(msg));
    // An engine.io message (4) carrying a Socket.IO ack (3).
    server.onMessage((msg) => {
      if (!(net.dropAcks && typeof msg === 'string' && msg.startsWith('43'))) ws.send(msg);
    });
    net.live.push(ws);
  });
  await context.route(/\/socket\.io\//, (route) => (net.blocked ? route.abort() : route.continue()));
  return {
    net,
    async cut() {
      net.blocked = true;
      for (const ws of net.live.splice(0)) await ws.close();
    },
    restore() {
      net.blocked = false;
    }
  };
}

const outboxOf = (page: Page) =>
  page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith('yishi:outbox:'))
      .flatMap((k) => JSON.parse(localStorage.getItem(k)!) as { type: string; title?: string }[])
  );

const titled = (s: MeetingState, title: string) => [...s.topics.values()].filter((t) => t.title === title);

/** Once the facilitator holds this later topic, every earlier one is in its copy too. */
async function barrier(fac: TestClient, title: string) {
  expect((await fac.send({ type: 'topic.postFor', title, convenerName: '记录员' })).ok).toBe(true);
  return fac.until((s) => titled(s, title).length === 1, title);
}

describe('a phone on a shaky network (sqlite store)', () => {
  test('a topic posted while the server cannot be reached is sent after a reload, exactly once', { timeout: 60_000 }, async () => {
    const { m, fac } = await marketplace();
    const context = await newPhone();
    const network = await switchableNetwork(context);
    const page = await context.newPage();
    await page.goto(`${session.hall.base}/join/${m.joinCode}`);
    await joinAs(page, '王阿姨', '居民');

    await network.cut();
    await page.locator('[data-status=reconnecting], [data-status=offline]').waitFor();
    await page.locator('#topic-title').fill('路灯坏了没人修');
    await page.getByRole('button', { name: '提交议题' }).click();
    await expect.poll(() => outboxOf(page)).toEqual([expect.objectContaining({ type: 'topic.post', title: '路灯坏了没人修' })]);

    // Reloaded while still cut off: the command is still there, and still unsent.
    await page.reload();
    await expect.poll(() => outboxOf(page)).toEqual([expect.objectContaining({ type: 'topic.post', title: '路灯坏了没人修' })]);
    network.restore();
    // The page finds the way back on its own reconnect schedule (Socket.IO's backoff, up to 4 s ± 50 %
    // between attempts while it was cut off), then resends: on a loaded machine that is more than the
    // 10 s a step usually gets.
    await page.locator('[data-testid=topics] article', { hasText: '路灯坏了没人修' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => outboxOf(page)).toEqual([]);

    const s = await barrier(fac, '屏障一');
    expect(titled(s, '路灯坏了没人修')).toHaveLength(1);
    await expect.poll(() => page.locator('[data-testid=topics] article', { hasText: '屏障一' }).count()).toBe(1);
    expect(await page.locator('[data-testid=topics] article', { hasText: '路灯坏了没人修' }).count()).toBe(1);
  });

  test('a topic whose answer was lost is sent again after a reload with its command id, and posted once', { timeout: 60_000 }, async () => {
    const { m, fac } = await marketplace();
    const context = await newPhone();
    const network = await switchableNetwork(context);
    const page = await context.newPage();
    await page.goto(`${session.hall.base}/join/${m.joinCode}`);
    await joinAs(page, '李师傅', '商户');

    network.net.dropAcks = true;
    await page.locator('#topic-title').fill('垃圾分类点太远');
    await page.getByRole('button', { name: '提交议题' }).click();
    // The server has it (its broadcast came through), the phone does not know: no answer came.
    await page.locator('[data-testid=topics] article', { hasText: '垃圾分类点太远' }).waitFor();
    await fac.until((s) => titled(s, '垃圾分类点太远').length === 1, 'the topic on the server');
    expect(await outboxOf(page)).toEqual([expect.objectContaining({ title: '垃圾分类点太远' })]);

    network.net.dropAcks = false;
    await page.reload();
    await expect.poll(() => outboxOf(page)).toEqual([]);
    const s = await barrier(fac, '屏障二');
    expect(titled(s, '垃圾分类点太远')).toHaveLength(1);
  });

  test('a session of an ended meeting under the same code does not send the phone back into it', { timeout: 60_000 }, async () => {
    // The ended meeting, and this phone's session in it, kept under the join code as before.
    const old = await createMeeting(session.hall.url, { title: '上个月的议事会' });
    const oldSession = await join(session.hall.url, old.joinCode, '王阿姨');
    const oldFac = await connected(session.hall.url, old.facilitatorToken);
    keep(oldFac);
    expect(await oldFac.send({ type: 'meeting.end' })).toMatchObject({ ok: true });
    // Its code is handed out again, to this meeting.
    const now = await createMeeting(session.hall.url, { title: '本月的议事会' });
    const context = await newPhone();
    const stale = { meetingId: old.meetingId, participantId: oldSession.participantId, token: oldSession.token, joinCode: now.joinCode };
    await context.addInitScript((session) => {
      localStorage.setItem(`yishi:participant:code:${session.joinCode}`, JSON.stringify(session));
      localStorage.setItem(`yishi:participant:meeting:${session.meetingId}`, JSON.stringify(session));
    }, stale);
    const page = await context.newPage();
    await page.goto(`${session.hall.base}/join/${now.joinCode}`);
    await expect.poll(() => page.locator('[data-testid=join-title]').textContent()).toContain('本月的议事会');
    await page.locator('#name').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/join/${now.joinCode}`);
    await page.screenshot({ path: path.join(ROOT, 'test-results/screenshots/join-code-reused.png') });

    // Joined to this meeting, the same phone goes straight back in on the next visit to the code.
    await joinAs(page, '王阿姨', '居民');
    await page.goto(`${session.hall.base}/join/${now.joinCode}`);
    await page.waitForURL(`${session.hall.base}/m/${now.meetingId}`);
    await page.locator('[data-testid=me]').waitFor();
  });

  test('a join whose answer was lost is sent again with the same join key, also after a reload', { timeout: 60_000 }, async () => {
    const m = await createMeeting(session.hall.url);
    const context = await newPhone();
    const keys: string[] = [];
    let loseAnswers = 2;
    // The first two joins reach the server, and their answers are lost on the way back.
    await context.route(/\/api\/join$/, async (route) => {
      keys.push((route.request().postDataJSON() as { joinKey: string }).joinKey);
      if (loseAnswers-- > 0) {
        // Fetched from Node, which does not know the hall's host name: the same server over loopback.
        await route.fetch({ url: route.request().url().replace(session.hall.base, session.hall.url) });
        return route.abort();
      }
      return route.continue();
    });
    const page = await context.newPage();
    await page.goto(`${session.hall.base}/join/${m.joinCode}`);
    await page.locator('#name').fill('赵大爷');
    await page.locator('label.group', { hasText: '居民' }).click();
    const submit = page.getByRole('button', { name: '进入会议' });
    await submit.click();
    await page.locator('[data-testid=join-error]').waitFor();
    await expect.poll(() => keys.length).toBe(1);
    await submit.click(); // tried again
    await expect.poll(() => keys.length).toBe(2);
    await expect.poll(() => submit.isEnabled()).toBe(true);
    await page.reload(); // and again after a reload
    await joinAs(page, '赵大爷', '居民');
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(new Set(keys).size).toBe(1);
    // Joined: the key is done with; a later join to this meeting from this browser would get a new one.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('yishi:join-key:')))).toEqual([]);
  });
});
