import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { LogEntry, VerifyResponse } from '@yishi/protocol';
import { Database, SQLITE_FILE } from '@yishi/store/raw';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { connected } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { hallSession, LAPTOP, PHONE } from './hall.ts';

/**
 * The record out of the room, in a browser (issue 9, items 3 and 5): a meeting created from the
 * landing page is listed there with its console, minutes, archive, verify page and deletion; the
 * archive downloaded from the list is checked offline on the verify page; a phone confirms the record,
 * a printed entry and hash, and names an entry altered in the SQLite file; deleting the meeting from the
 * list takes it off the list, the server and the verify page. Every state passes axe (AAA contrast).
 */

const SHOTS = path.join(ROOT, 'test-results/screenshots/verify');
const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
// The server's data dir, known to the test so it can reach into the SQLite file as an intruder would.
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yishi-verify-e2e-'));
// Registered before the session's own hooks, so it runs after the server has stopped.
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const notFound: string[] = [];
const session = hallSession({
  shots: SHOTS,
  env: { DATA_DIR: dataDir },
  onContext: (context) =>
    context.on('response', (res) => {
      if (res.status() === 404) notFound.push(new URL(res.url()).pathname);
    })
});
const { newContext, keep } = session;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

async function axeViolations(page: Page): Promise<{ id: string; nodes: string[] }[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    type Result = { violations: { id: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] };
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<Result> } }).axe;
    const result = await axe.run(document, { rules: { 'color-contrast-enhanced': { enabled: true } } });
    return result.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
  });
}

/** Every element with visible text smaller than 16px, and every control (or its label, for a checkbox or a hidden file input) smaller than 44px either way. */
async function tooSmall(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')} "${(el.textContent ?? '').trim().slice(0, 20)}"`;
    for (const el of document.querySelectorAll('body *')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const hasText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
      if (hasText && parseFloat(getComputedStyle(el).fontSize) < 16) found.push(`text ${name(el)} ${getComputedStyle(el).fontSize}`);
      // A checkbox's target is the label around it; a visually hidden input's, the label that names it.
      const label = el.matches('input[type=checkbox], input[type=radio]') ? el.closest('label') : box.width <= 1 && el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
      const target = (label ?? el).getBoundingClientRect();
      if (el.matches('a, button, input, select, textarea') && (target.height < 44 || target.width < 44)) found.push(`target ${name(el)} ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
    return found;
  });
}

interface Archive {
  meetingId: string;
  head: { seq: number; hash: string };
  entries: LogEntry[];
}

describe('verify, archive and deletion in the browser (sqlite store)', () => {
  test('the landing list, the archive checked offline, a printed copy, an altered entry named, and deletion', { timeout: 150_000 }, async () => {
    // The facilitator creates the meeting on the laptop's landing page.
    const laptop = await (await newContext({ ...LAPTOP, acceptDownloads: true })).newPage();
    await laptop.goto(`${session.hall.base}/`);
    await laptop.locator('#title').fill('滨河东里议事会');
    await laptop.getByRole('button', { name: '创建会议' }).click();
    await laptop.waitForURL(/\/m\/[^/]+\/facilitator$/);
    const meetingId = /\/m\/([^/]+)\/facilitator$/.exec(laptop.url())![1]!;
    const token = JSON.parse((await laptop.evaluate((id) => localStorage.getItem(`yishi:facilitator:${id}`), meetingId))!) as string;
    const joinCode = (await laptop.locator('[data-testid=console-join-url]').textContent())!.trim().slice(-6);
    const facilitator = keep(await connected(session.hall.url, token));
    expect(await facilitator.send({ type: 'phase.advance', fromPhaseId: facilitator.state!.phaseId })).toMatchObject({ ok: true });
    await facilitator.until((s) => s.phases.find((p) => p.id === s.phaseId)?.kind === 'marketplace', 'marketplace');

    // A phone joins on the join page and posts a topic.
    const phone = await (await newContext(PHONE)).newPage();
    await phone.goto(`${session.hall.base}/join/${joinCode}`);
    await phone.locator('#name').fill('王阿姨');
    await phone.locator('[data-testid=join-groups] label.group', { hasText: '居民' }).click();
    await phone.getByRole('button', { name: '进入会议' }).click();
    await phone.waitForURL(new RegExp(`/m/${meetingId}$`));
    await phone.locator('#topic-title').fill('楼道堆物怎么清理');
    await phone.getByRole('button', { name: '提交议题' }).click();
    await facilitator.until((s) => s.topics.size === 1, 'the topic');

    // The landing page lists the meeting with everything the facilitator does after it.
    await laptop.goto(`${session.hall.base}/`);
    const item = laptop.locator('[aria-labelledby=mine-heading] li', { hasText: '滨河东里议事会' });
    await item.waitFor();
    expect(await item.textContent()).toContain(joinCode);
    expect(await item.getByRole('link', { name: '主持台' }).getAttribute('href')).toBe(`/m/${meetingId}/facilitator`);
    expect(await item.getByRole('link', { name: '核验' }).getAttribute('href')).toBe(`/verify/${meetingId}`);
    for (const name of ['会议纪要 DOCX', '会议纪要 PDF', '下载档案', '删除会议']) expect(await item.getByRole('button', { name }).count(), name).toBe(1);
    await item.scrollIntoViewIfNeeded();
    await shot(laptop, 'landing-list-1366');
    expect(await axeViolations(laptop), 'landing, laptop').toEqual([]);

    // The archive, downloaded from the list.
    const [download] = await Promise.all([laptop.waitForEvent('download'), item.getByRole('button', { name: '下载档案' }).click()]);
    const archiveFile = path.join(dataDir, `archive-${meetingId}.json`);
    await download.saveAs(archiveFile);
    const archive = JSON.parse(readFileSync(archiveFile, 'utf8')) as Archive;
    expect(archive.meetingId).toBe(meetingId);
    expect(archive.entries.length).toBe(archive.head.seq);
    const joined = archive.entries.find((e) => e.event.type === 'participant.joined')!;
    expect(joined).toBeDefined();
    // A printed copy made earlier in the meeting: an entry before the head.
    const printed = archive.entries[joined.seq - 2]!;
    expect(printed.seq).toBeLessThan(archive.head.seq);

    // On a phone: the record is confirmed, with its count and head.
    const verifier = await (await newContext(PHONE)).newPage();
    await verifier.goto(`${session.hall.base}/verify/${meetingId}`);
    const result = verifier.locator('.result').first();
    await expect.poll(() => result.textContent()).toContain(`记录完整：共 ${archive.head.seq} 条`);
    expect(await result.getAttribute('class')).toContain('good');
    expect(await verifier.locator('main').textContent()).toContain(archive.head.hash);
    expect(await verifier.locator('main').textContent()).toContain(`最新一条：第 ${archive.head.seq} 条`);
    const api = (await (await fetch(`${session.hall.url}/api/meetings/${meetingId}/verify`)).json()) as VerifyResponse;
    expect(api.head).toEqual(archive.head);
    await shot(verifier, 'verify-phone-confirmed');
    expect(await axeViolations(verifier), 'confirmed').toEqual([]);
    expect(await tooSmall(verifier), 'confirmed').toEqual([]);

    // The printed entry, typed as from paper (upper case, in groups): confirmed.
    const copyResult = verifier.locator('[aria-labelledby=copy-heading] .result');
    await verifier.locator('#copy-seq').fill(String(printed.seq));
    await verifier.locator('#copy-hash').fill(printed.hash.toUpperCase().match(/.{1,8}/g)!.join(' '));
    await verifier.getByRole('button', { name: '核对', exact: true }).click();
    await expect.poll(() => copyResult.textContent()).toContain(`一致：第 ${printed.seq} 条在会议记录中`);
    await copyResult.scrollIntoViewIfNeeded();
    await shot(verifier, 'verify-phone-copy-confirmed');
    expect(await axeViolations(verifier), 'copy confirmed').toEqual([]);

    // A wrong hash (another entry's): denied.
    await verifier.locator('#copy-hash').fill(archive.head.hash);
    await verifier.getByRole('button', { name: '核对', exact: true }).click();
    await expect.poll(() => copyResult.textContent()).toContain(`不一致：会议记录中没有哈希值相符的第 ${printed.seq} 条`);
    await shot(verifier, 'verify-phone-copy-denied');
    expect(await axeViolations(verifier), 'copy denied').toEqual([]);

    // The archive file, checked in the page: nothing uploaded, verified.
    await verifier.locator('#archive-file').setInputFiles(archiveFile);
    const archiveResult = verifier.locator('[aria-labelledby=archive-heading] .result');
    await expect.poll(() => archiveResult.textContent()).toContain(`档案完整：会议 ${meetingId} 的 ${archive.head.seq} 条记录全部核验通过`);
    await archiveResult.scrollIntoViewIfNeeded();
    await shot(verifier, 'verify-phone-archive');
    expect(await axeViolations(verifier), 'archive verified').toEqual([]);

    // The same file with one name changed: the offline check names that entry.
    const altered = path.join(dataDir, 'altered.json');
    writeFileSync(altered, JSON.stringify({ ...archive, entries: archive.entries.map((e) => (e.seq === joined.seq ? { ...e, event: { ...e.event, name: '冒名者' } } : e)) }));
    await verifier.locator('#archive-file').setInputFiles(altered);
    await expect.poll(() => archiveResult.textContent()).toContain(`记录有问题：第 ${joined.seq} 条内容被改动过。`);
    expect(await axeViolations(verifier), 'archive altered').toEqual([]);

    // Someone with the SQLite file changes the joined name in the stored entry: the page names that entry.
    const db = new Database(path.join(dataDir, SQLITE_FILE));
    try {
      const row = db.prepare('SELECT event FROM log WHERE meeting_id = ? AND seq = ?').get(meetingId, joined.seq) as { event: string };
      const event = JSON.parse(row.event) as Record<string, unknown>;
      expect(event.name).toBe('王阿姨');
      db.prepare('UPDATE log SET event = ? WHERE meeting_id = ? AND seq = ?').run(JSON.stringify({ ...event, name: '冒名者' }), meetingId, joined.seq);
    } finally {
      db.close();
    }
    await verifier.reload();
    await expect.poll(() => result.textContent()).toContain(`记录有问题：第 ${joined.seq} 条内容被改动过。此前的 ${joined.seq - 1} 条完好。`);
    expect(await result.getAttribute('class')).toContain('bad');
    await shot(verifier, 'verify-phone-tampered');
    expect(await axeViolations(verifier), 'tampered').toEqual([]);
    expect(await tooSmall(verifier), 'tampered').toEqual([]);

    // The landing page on a phone, then deletion from the laptop's list: the join code typed to confirm.
    const small = await (await newContext(PHONE)).newPage();
    await small.addInitScript(({ id, t, list }) => {
      localStorage.setItem(`yishi:facilitator:${id}`, JSON.stringify(t));
      localStorage.setItem('yishi:my-meetings', list);
    }, { id: meetingId, t: token, list: (await laptop.evaluate(() => localStorage.getItem('yishi:my-meetings')))! });
    await small.goto(`${session.hall.base}/`);
    const smallItem = small.locator('[aria-labelledby=mine-heading] li', { hasText: '滨河东里议事会' });
    await smallItem.scrollIntoViewIfNeeded();
    await shot(small, 'landing-list-phone');
    expect(await axeViolations(small), 'landing, phone').toEqual([]);
    expect(await tooSmall(small), 'landing, phone').toEqual([]);

    await item.getByRole('button', { name: '删除会议' }).click();
    const confirm = item.locator('form');
    const submit = confirm.getByRole('button', { name: '永久删除' });
    expect(await submit.isDisabled()).toBe(true);
    await confirm.getByRole('textbox').fill('000000' === joinCode ? '111111' : '000000');
    expect(await submit.isDisabled()).toBe(true);
    await confirm.getByRole('textbox').fill(joinCode);
    await shot(laptop, 'landing-delete-confirm-1366');
    expect(await axeViolations(laptop), 'delete confirm').toEqual([]);
    await submit.click();
    await expect.poll(() => item.count()).toBe(0);
    await laptop.getByText('会议已删除。').waitFor();
    expect(await laptop.evaluate(() => localStorage.getItem('yishi:my-meetings'))).not.toContain(meetingId);
    await shot(laptop, 'landing-deleted-1366');
    expect(await axeViolations(laptop), 'deleted').toEqual([]);

    expect((await fetch(`${session.hall.url}/api/meetings/${meetingId}/verify`)).status).toBe(404);
    await verifier.reload();
    await verifier.getByText('没有找到这个会议。').waitFor();
    expect(await verifier.locator('#copy-seq').count()).toBe(0);
    await shot(verifier, 'verify-phone-not-found');
    expect(await axeViolations(verifier), 'not found').toEqual([]);

    // A phone that never created a meeting is not shown an empty list.
    const fresh = await (await newContext(PHONE)).newPage();
    await fresh.goto(`${session.hall.base}/`);
    await fresh.locator('#join-code').waitFor();
    expect(await fresh.locator('#mine-heading').count()).toBe(0);

    // The page one opens without an address: axe-clean too.
    const start = await (await newContext(PHONE)).newPage();
    await start.goto(`${session.hall.base}/verify`);
    await start.locator('#meeting-id').fill(`${session.hall.base}/verify/${meetingId}`);
    await shot(start, 'verify-phone-start');
    expect(await axeViolations(start), 'verify start').toEqual([]);
    expect(await tooSmall(start), 'verify start').toEqual([]);
    await start.getByRole('button', { name: '核验', exact: true }).click();
    await start.waitForURL(new RegExp(`/verify/${meetingId}$`));
    await start.getByText('没有找到这个会议。').waitFor();

    // Only the deleted meeting's verify answered 404.
    expect(notFound.filter((p) => p !== `/api/meetings/${meetingId}/verify`)).toEqual([]);
  });
});
