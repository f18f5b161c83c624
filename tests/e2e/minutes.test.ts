import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { VerifyResponse } from '@yishi/protocol';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { docxText, firstOutOfOrder, pdffonts, pdftotext, squash } from '../../packages/export/test/tools.ts';
import { connected, createLink, createMeeting, join } from '../helpers/clients.ts';
import { ROOT, type InProcess } from '../helpers/servers.ts';
import { rawStore } from '../server/recordStore.ts';
import { hallSession, LAPTOP, PHONE } from './hall.ts';
import { axeViolations, downloadFrom, meetingPages } from './pages.ts';

/**
 * The minutes out of the room (issue 9), as people do it: phones of two groups post topics, the
 * facilitator merges two, hides one and moves through two phases, the secretary keeps the details, the
 * notes and a paper participant, watches the live preview and downloads the minutes in DOCX, PDF and
 * Markdown from the desk. The files are read back as a person's tools would (the text in order, the
 * CJK font embedded, the first page rendered to PNG next to the screenshots), and the verify page
 * confirms the entry number and hash printed in them. Also: the console's export buttons, a phone's
 * download once the minutes are published, the board's attendance with paper participants, the verify
 * page naming an entry altered in the SQLite file, and the landing page's list. Embedded store.
 */

const SHOTS = path.join(ROOT, 'test-results/screenshots/minutes');
// The store's directory is the test's, so the tamper test can reach into the SQLite file as an admin would.
const DATA_DIR = mkdtempSync(path.join(os.tmpdir(), 'yishi-minutes-e2e-'));
const session = hallSession({ shots: SHOTS, env: { DATA_DIR, COMMAND_RATE: '200', COMMAND_BURST: '200' } });
const { newContext, keep } = session;
// The store's files go with the file's tests (an open SQLite file may be unlinked; the server stops right after).
afterAll(() => rmSync(DATA_DIR, { recursive: true, force: true }));
const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });

const pages = meetingPages(session);
const phoneOf = pages.phone;
const consoleOf = pages.console;
const boardOf = pages.board;

async function postFrom(phone: Page, title: string) {
  await phone.locator('#topic-title').fill(title);
  await phone.getByRole('button', { name: '提交议题' }).click();
  await phone.locator('[data-testid=topics] article', { hasText: title }).waitFor();
}

const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now());

describe('the minutes from the desk (sqlite store)', () => {
  test('after a short meeting the secretary previews the minutes and downloads them as DOCX, PDF and Markdown; the files hold the record in order; the verify page confirms the printed entry', { timeout: 180_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里议事会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const facilitator = keep(await connected(session.hall.url, created.facilitatorToken));
    const console_ = await consoleOf(created);
    const resident = await phoneOf(created, '王阿姨', '居民');
    const merchant = await phoneOf(created, '李师傅', '商户');

    // Phase one → two: the marketplace takes topics.
    await console_.getByRole('button', { name: '下一环节' }).click();
    await resident.locator('#topic-title').waitFor();
    await postFrom(resident, '停车位太少');
    await postFrom(resident, '楼道堆物怎么清理');
    await merchant.locator('#topic-title').waitFor();
    await postFrom(merchant, '晚上停车难');
    await postFrom(merchant, '广场舞噪音扰民');
    const topics = console_.locator('[data-testid=console-topics]');
    await expect.poll(() => topics.locator('article').count()).toBe(4);

    // The facilitator merges the merchant's duplicate into the resident's topic and hides one.
    const card = (title: string) => console_.locator('[data-testid=console-topics] li', { hasText: title });
    await card('停车位太少').getByRole('checkbox').check();
    await card('晚上停车难').getByRole('checkbox').check();
    await console_.locator('[data-testid=merge-keep]').getByLabel('停车位太少').check();
    await console_.getByRole('button', { name: '合并所选（2）' }).click();
    await expect.poll(() => topics.locator('article').count()).toBe(3);
    await card('广场舞噪音扰民').getByRole('button', { name: '隐藏', exact: true }).click();
    await card('广场舞噪音扰民').getByRole('button', { name: '恢复显示' }).waitFor();
    // Phase two → three.
    await console_.getByRole('button', { name: '下一环节' }).click();
    await facilitator.until((s) => s.phases.findIndex((p) => p.id === s.phaseId) === 2, 'third phase');

    // The secretary: details, notes and a paper participant.
    const deskLink = await createLink(session.hall.url, created.meetingId, created.facilitatorToken, 'secretary');
    const desk = await (await newContext(LAPTOP)).newPage();
    await desk.goto(`${session.hall.base}/m/${created.meetingId}/secretary#token=${deskLink}`);
    const details = desk.locator('[data-testid=record-details]');
    await details.locator('[data-testid=record-place]').fill('滨河东里社区活动室');
    await details.locator('[data-testid=record-facilitator]').fill('刘主持');
    await details.locator('[data-testid=record-secretary]').fill('张记录');
    await details.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => details.locator('[data-testid=record-details-state]').getAttribute('data-state')).toBe('saved');
    await desk.locator('[data-testid=record-notes-text]').fill('居民普遍反映停车难。\n下次会议继续讨论。');
    await details.locator('[data-testid=record-place]').focus();
    await expect.poll(() => desk.locator('[data-testid=record-notes-state]').getAttribute('data-state')).toBe('saved');
    const panel = desk.locator('[data-testid=paper-panel]');
    await panel.locator('[data-testid=paper-group]').selectOption('居民');
    await panel.locator('[data-testid=paper-name]').fill('赵大爷');
    await panel.getByRole('button', { name: '登记', exact: true }).click();
    await panel.locator('[data-testid=paper-group]').selectOption('商户');
    await panel.locator('[data-testid=paper-mode-count]').check();
    await panel.locator('[data-testid=paper-count]').fill('2');
    await panel.getByRole('button', { name: '登记', exact: true }).click();
    await expect.poll(() => panel.locator('[data-testid=paper-entry]').count()).toBe(2);

    // The minutes view: the preview follows the log to its head.
    await desk.locator('[data-testid=desk-view-minutes]').click();
    const preview = desk.locator('[data-testid=minutes-preview]');
    const head = async () => ((await (await fetch(`${session.hall.url}/api/meetings/${created.meetingId}/verify`)).json()) as VerifyResponse).head;
    const atHead = (await head()).seq;
    await expect.poll(() => preview.getAttribute('data-seq'), { timeout: 10_000 }).toBe(String(atHead));
    const previewText = squash((await preview.locator('[data-testid=minutes-preview-doc]').textContent()) ?? '');
    // The record as the minutes write it: head, attendance by group (paper participants marked), the
    // phases as they ran, the topics by number with the merge and the hidden one marked, the notes.
    const expected = [
      '会议纪要：滨河东里议事会', '滨河东里社区活动室', '刘主持', '张记录',
      '出席情况', '王阿姨', '赵大爷', '纸质登记', '李师傅', '未具名 2 人',
      '议程执行情况', '开场', '议题集市', '排议程',
      '停车位太少', '楼道堆物怎么清理', '晚上停车难', '并入', '广场舞噪音扰民', '已被主持人隐藏', '合并记录',
      '居民普遍反映停车难。', '下次会议继续讨论。'
    ];
    expect(firstOutOfOrder(previewText, expected.map(squash))).toBeNull();
    expect(await preview.locator('[data-testid=minutes-preview-hash]').textContent()).toBe((await head()).hash);
    expect(await desk.locator('[data-testid=minutes-preview-doc] script, [data-testid=minutes-preview-doc] img').count()).toBe(0);
    await shot(desk, 'desk-minutes-1366');
    await shot(desk, 'desk-minutes-1366-full', true);
    expect(await axeViolations(desk)).toEqual([]);

    // A new entry moves the preview on.
    await desk.locator('[data-testid=desk-view-desk]').click();
    await desk.locator('[data-testid=record-notes-text]').fill('居民普遍反映停车难。\n下次会议继续讨论。\n会后整理。');
    await details.locator('[data-testid=record-place]').focus();
    await expect.poll(() => desk.locator('[data-testid=record-notes-state]').getAttribute('data-state')).toBe('saved');
    await desk.locator('[data-testid=desk-view-minutes]').click();
    const { seq, hash } = await head();
    await expect.poll(() => preview.getAttribute('data-seq'), { timeout: 10_000 }).toBe(String(seq));
    await expect.poll(async () => squash((await preview.textContent()) ?? '')).toContain('会后整理。');
    expected.push('会后整理。');

    // Downloads, named 会议纪要-<title>-<date>.<ext>.
    const md = await downloadFrom(desk, 'download-minutes-md', SHOTS, 'minutes.md');
    const docx = await downloadFrom(desk, 'download-minutes-docx', SHOTS, 'minutes.docx');
    const pdf = await downloadFrom(desk, 'download-minutes-pdf', SHOTS, 'minutes.pdf');
    for (const [file, ext] of [[md, 'md'], [docx, 'docx'], [pdf, 'pdf']] as const) expect(file.name).toBe(`会议纪要-滨河东里议事会-${today()}.${ext}`);

    // Markdown: the record in order, marks for the merge and the hidden topic, the entry and hash it was made at.
    const markdown = readFileSync(md.file, 'utf8');
    const verifyUrl = `${session.hall.base}/verify/${created.meetingId}`;
    const inOrder = [...expected, '签字', `${seq}`, hash, verifyUrl];
    expect(firstOutOfOrder(markdown, inOrder)).toBeNull();
    expect(markdown).toMatch(/晚上停车难[^\n]*(合并|并入)/);
    expect(markdown).toMatch(/广场舞噪音扰民[^\n]*隐藏|隐藏[^\n]*广场舞噪音扰民/);
    expect(markdown).toMatch(/纸质/);

    // DOCX: word/document.xml holds the same texts in the same order.
    const { text: docxBody } = docxText(readFileSync(docx.file));
    expect(firstOutOfOrder(docxBody, inOrder)).toBeNull();

    // PDF: pdftotext reads the Chinese in order; the CJK font is embedded (a subset).
    const pdfText = squash(pdftotext(pdf.file));
    expect(firstOutOfOrder(pdfText, inOrder.map(squash))).toBeNull();
    const fonts = pdffonts(pdf.file).split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThan(0);
    for (const f of fonts) expect(f).toMatch(/^[A-Z]{6}\+NotoSansSC-(Regular|Bold)\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdf.file, path.join(SHOTS, 'minutes-pdf-page1')]);

    // The verify page confirms the entry number and hash printed in the minutes, as a person types them.
    const printedSeq = /(?:条目编号|Entry no\.)：?\s*(\d+)/.exec(markdown)?.[1];
    const printedHash = /`([0-9a-f]{64})`/.exec(markdown)?.[1];
    expect(printedSeq).toBe(String(seq));
    expect(printedHash).toBe(hash);
    const checker = await (await newContext(PHONE)).newPage();
    await checker.goto(verifyUrl);
    await checker.getByText('记录完整').waitFor();
    await checker.locator('#copy-seq').fill(printedSeq!);
    // Typed in groups of eight, as read off paper.
    await checker.locator('#copy-hash').fill(printedHash!.match(/.{8}/g)!.join(' '));
    await checker.getByRole('button', { name: '核对' }).click();
    await checker.getByText(`一致：第 ${seq} 条在会议记录中`).waitFor();
    await shot(checker, 'verify-phone-confirmed', true);

    // While the log moves fast the preview asks at most every two seconds, one request at a time, and
    // still ends at the head.
    const calls: { start: number; end: number }[] = [];
    const isPreview = (url: string) => url.endsWith(`/api/meetings/${created.meetingId}/export/minutes.json`);
    desk.on('request', (r) => isPreview(r.url()) && calls.push({ start: Date.now(), end: Infinity }));
    const ended = (r: { url(): string }) => {
      const open = calls.find((c) => c.end === Infinity);
      if (isPreview(r.url()) && open) open.end = Date.now();
    };
    desk.on('requestfinished', ended);
    desk.on('requestfailed', ended);
    await join(session.hall.url, created.joinCode, '居民1', '居民');
    await expect.poll(() => calls.length).toBe(1);
    // The rest arrive while that request is out or just back: they wait for the next turn, together.
    for (let i = 2; i <= 12; i++) await join(session.hall.url, created.joinCode, `居民${i}`, '居民');
    const last = await head();
    await expect.poll(() => preview.getAttribute('data-seq'), { timeout: 15_000 }).toBe(String(last.seq));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < calls.length; i++) {
      expect(calls[i]!.start, 'never two at a time').toBeGreaterThanOrEqual(calls[i - 1]!.end);
      // 2 s between starts, less what event delivery to this process may shift.
      expect(calls[i]!.start - calls[i - 1]!.start, 'at most one every 2 s').toBeGreaterThanOrEqual(1_800);
    }
  });

  test('the console prints and downloads; a phone downloads the minutes once published; the board counts paper participants; the landing page lists the meeting', { timeout: 120_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const facilitator = keep(await connected(session.hall.url, created.facilitatorToken));
    const phone = await phoneOf(created, '王阿姨', '居民');
    await phoneOf(created, '李师傅', '商户');
    const console_ = await consoleOf(created);
    expect(await phone.locator('[data-testid=phone-minutes]').count()).toBe(0);

    // Paper participants, entered on the desk, counted on the board at both sizes.
    const deskLink = await createLink(session.hall.url, created.meetingId, created.facilitatorToken, 'secretary');
    const desk = await (await newContext(LAPTOP)).newPage();
    await desk.goto(`${session.hall.base}/m/${created.meetingId}/secretary#token=${deskLink}`);
    const panel = desk.locator('[data-testid=paper-panel]');
    await panel.locator('[data-testid=paper-group]').selectOption('居民');
    await panel.locator('[data-testid=paper-name]').fill('赵大爷');
    await panel.getByRole('button', { name: '登记', exact: true }).click();
    await panel.locator('[data-testid=paper-group]').selectOption('商户');
    await panel.locator('[data-testid=paper-mode-count]').check();
    await panel.locator('[data-testid=paper-count]').fill('3');
    await panel.getByRole('button', { name: '登记', exact: true }).click();
    await facilitator.until((s) => (s.paperCount.get('商户') ?? 0) === 3, 'paper merchants');
    for (const [w, h] of [[1024, 768], [1920, 1080]] as const) {
      const board = await boardOf(created, w, h);
      await expect.poll(() => board.locator('[data-testid=board-people-total]').textContent()).toBe('已到 6 人（含纸质登记 4 人）');
      await shot(board, `board-paper-${w}x${h}`);
    }

    // The console: poster and sign-in sheets through a download link, the minutes view one click away.
    const poster = await downloadFrom(console_, 'download-poster', SHOTS, 'poster.pdf');
    expect(poster.name).toBe(`会议海报-滨河东里民商联合会-${today()}.pdf`);
    expect(squash(pdftotext(poster.file))).toContain(created.joinCode);
    const signin = await downloadFrom(console_, 'download-signin', SHOTS, 'signin.pdf');
    expect(signin.name).toBe(`签到表-滨河东里民商联合会-${today()}.pdf`);
    expect(firstOutOfOrder(squash(pdftotext(signin.file)), ['居民', '商户'])).toBeNull();
    await console_.locator('[data-testid=console-minutes]').scrollIntoViewIfNeeded();
    await shot(console_, 'console-exports-1366');
    expect(await axeViolations(console_)).toEqual([]);
    await console_.locator('[data-testid=console-minutes-open]').click();
    await expect.poll(() => console_.locator('[data-testid=minutes-preview]').getAttribute('data-seq')).toBe(String(facilitator.seq));
    const fromConsole = await downloadFrom(console_, 'download-minutes-docx', SHOTS, 'console-minutes.docx');
    expect(docxText(readFileSync(fromConsole.file)).text).toContain('赵大爷');
    await shot(console_, 'console-minutes-1366');
    expect(await axeViolations(console_)).toEqual([]);

    // Published, the phone offers the minutes as a PDF; unpublished, it no longer does.
    await console_.locator('[data-testid=console-back]').click();
    await console_.locator('[data-testid=minutes-publish]').click();
    const button = phone.locator('[data-testid=phone-minutes-pdf]');
    await button.waitFor();
    const box = await button.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    await shot(phone, 'phone-minutes-360');
    expect(await axeViolations(phone)).toEqual([]);
    const fromPhone = await downloadFrom(phone, 'phone-minutes-pdf', SHOTS, 'phone-minutes.pdf');
    expect(fromPhone.name).toBe(`会议纪要-滨河东里民商联合会-${today()}.pdf`);
    expect(squash(pdftotext(fromPhone.file))).toContain('会议纪要：滨河东里民商联合会');
    await console_.locator('[data-testid=minutes-unpublish]').click();
    await phone.locator('[data-testid=phone-minutes]').waitFor({ state: 'detached' });

    // The landing page on the facilitator's laptop lists the meeting with its console, minutes and archive.
    const landing = await (await newContext(LAPTOP)).newPage();
    await landing.addInitScript(({ meetingId, joinCode, token }) => {
      localStorage.setItem('yishi:my-meetings', JSON.stringify([{ meetingId, title: '滨河东里民商联合会', joinCode, createdAt: Date.now() }]));
      localStorage.setItem(`yishi:facilitator:${meetingId}`, JSON.stringify(token));
    }, { meetingId: created.meetingId, joinCode: created.joinCode, token: created.facilitatorToken });
    await landing.goto(`${session.hall.base}/`);
    await landing.getByRole('heading', { name: '滨河东里民商联合会' }).waitFor();
    await shot(landing, 'landing-list-1366', true);
  });

  test('the verify page on a phone names an entry altered in the SQLite file', { timeout: 60_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '被改动的会', groups: ['居民'], timeZone: 'Asia/Shanghai' });
    const facilitator = keep(await connected(session.hall.url, created.facilitatorToken));
    expect(await facilitator.send({ type: 'phase.advance', fromPhaseId: facilitator.state!.phaseId })).toMatchObject({ ok: true });
    const resident = keep(await connected(session.hall.url, (await join(session.hall.url, created.joinCode, '王阿姨', '居民')).token));
    expect(await resident.send({ type: 'topic.post', title: '停车位太少', description: '' })).toMatchObject({ ok: true });
    const raw = rawStore({ backend: { env: { DATA_DIR } } } as unknown as InProcess);
    try {
      await raw.rewrite(created.meetingId, 3, (entry) => ({ ...entry, at: entry.at + 1 }));
    } finally {
      await raw.close();
    }
    const checker = await (await newContext(PHONE)).newPage();
    await checker.goto(`${session.hall.base}/verify/${created.meetingId}`);
    await checker.getByText('记录有问题：第 3 条内容被改动过。').waitFor();
    await shot(checker, 'verify-phone-tampered', true);
  });
});
