import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { docxText, firstOutOfOrder, pdftotext, squash } from '../../packages/export/test/tools.ts';
import { createDocument, createLink, createMeeting } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { hallSession, LAPTOP } from './hall.ts';
import { axeViolations, downloadFrom, meetingPages, versionDownloadsOnPhone } from './pages.ts';

/**
 * Documents in the record (issue 10, item 8), as the secretary does it on the embedded store: a charter
 * is written, saved as a named version and downloaded from the version's view as PDF (and DOCX) — the
 * file read back with pdftotext and its first page rendered to PNG next to the screenshots [D26]; the
 * desk's notes become a co-edited minutes draft that participants do not see, the facilitator writes in
 * it too, and the minutes (the live preview and the download) print its text [D26, D27].
 */

const SHOTS = path.join(ROOT, 'test-results/screenshots/record');
const session = hallSession({ shots: SHOTS });
const { newContext } = session;
const pages = meetingPages(session);
const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
const editor = (page: Page, scope = 'body') => page.locator(`${scope} [data-testid=doc-editor]`);

async function desk(created: { meetingId: string; facilitatorToken: string }): Promise<Page> {
  const link = await createLink(session.hall.url, created.meetingId, created.facilitatorToken, 'secretary');
  const page = await (await newContext(LAPTOP)).newPage();
  await page.goto(`${session.hall.base}/m/${created.meetingId}/secretary#token=${link}`);
  await page.locator('[data-testid=record-notes]').waitFor();
  return page;
}

describe('documents in the record (sqlite store)', () => {
  test('[D26] the secretary saves a named version of the charter and exports it as PDF from the version view: title, version name, articles numbered', { timeout: 150_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '联合会章程', 'everyone');
    const page = await desk(created);
    await page.locator(`[data-testid=documents-panel] [data-doc-id="${docId}"] [data-testid=document-open]`).click();
    await page.waitForURL(`**/d/${docId}**`);
    await page.locator('[data-testid=doc-sync][data-synced=true]').waitFor();

    // The skeleton, then the third article gets its text.
    await page.locator('[data-testid=doc-skeleton-insert]').click();
    await expect.poll(() => editor(page).locator('p.article').count()).toBe(5);
    await editor(page).locator('p.article').nth(2).click();
    await page.keyboard.press('End');
    await page.keyboard.type('会员每年缴纳会费一百元。');

    // Saved as a named version, viewed, and downloaded.
    await page.locator('[data-testid=ver-name]').fill('章程 v3 征求意见稿');
    await page.locator('[data-testid=ver-save]').click();
    await page.locator('[data-testid=ver-saved]').waitFor();
    await page.locator('[data-testid=ver-item] [data-testid=ver-view]').first().click();
    await page.locator('[data-testid=ver-viewer] .charter-text, [data-testid=ver-viewer] [data-testid=ver-export]').first().waitFor();
    const exportBox = page.locator('[data-testid=ver-export]');
    await exportBox.waitFor();
    await exportBox.scrollIntoViewIfNeeded();
    await shot(page, 'version-export-1366x768');
    expect(await axeViolations(page)).toEqual([]);

    const pdf = await downloadFrom(page, 'ver-export-pdf', SHOTS, 'charter-version.pdf');
    expect(pdf.name).toMatch(/^文件版本-联合会章程-章程 v3 征求意见稿-\d{4}-\d{2}-\d{2}\.pdf$/);
    const text = squash(pdftotext(pdf.file));
    expect(firstOutOfOrder(text, ['联合会章程', '章程v3征求意见稿', '滨河东里民商联合会', '第一章总则', '第一条', '第二条', '第三条', '会员每年缴纳会费一百元。', '第五章附则', '第五条', '核验'].map(squash))).toBeNull();
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdf.file, path.join(SHOTS, 'charter-version-pdf-page1')]);

    const docx = await downloadFrom(page, 'ver-export-docx', SHOTS, 'charter-version.docx');
    expect(firstOutOfOrder(docxText(readFileSync(docx.file)).text, ['联合会章程', '章程 v3 征求意见稿', '第三条', '会员每年缴纳会费一百元。'])).toBeNull();

    // A participant may read the charter, so their phone offers the same downloads on the version (360 px).
    const phone = await pages.phone(created, '安阿姨', '居民');
    await versionDownloadsOnPhone(phone, docId);
    await shot(phone, 'phone-version-export-360x740');
    expect(await axeViolations(phone)).toEqual([]);
    const fromPhone = await downloadFrom(phone, 'ver-export-pdf', SHOTS, 'charter-version-phone.pdf');
    expect(squash(pdftotext(fromPhone.file))).toContain(squash('第三条'));
  });

  test('[D26][D27] the desk starts a co-edited minutes draft; participants do not see it; the minutes preview and download print its text', { timeout: 150_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里议事会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const page = await desk(created);
    const phone = await pages.phone(created, '王阿姨', '居民');
    await shot(page, 'desk-draft-offer-1366x768');

    await page.locator('[data-testid=minutes-draft-start]').click();
    const draft = page.locator('[data-testid=minutes-draft]');
    await draft.locator('[data-testid=doc-sync][data-synced=true]').waitFor();
    const draftId = (await draft.getAttribute('data-doc-id'))!;
    // No charter skeleton in a minutes draft; the plain notes box is gone (there were no notes).
    expect(await draft.locator('[data-testid=doc-skeleton]').count()).toBe(0);
    expect(await page.locator('[data-testid=record-notes-text]').count()).toBe(0);
    await editor(page, '[data-testid=minutes-draft]').click();
    await page.keyboard.type('会议决定成立停车管理筹备组。');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=minutes-draft] [data-testid=tool-bullet]').click();
    await page.keyboard.type('筹备组下周提出方案');
    await expect.poll(() => editor(page, '[data-testid=minutes-draft]').textContent()).toContain('筹备组下周提出方案');
    await shot(page, 'desk-minutes-draft-1366x768');
    expect(await axeViolations(page)).toEqual([]);

    // The phone's document list does not show the staff's draft: a charter made after it is listed, the draft not.
    const charterId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'charter', '联合会章程', 'everyone');
    await phone.locator(`[data-testid=document-item][data-doc-id="${charterId}"]`).waitFor();
    expect(await phone.locator(`[data-testid=document-item][data-doc-id="${draftId}"]`).count()).toBe(0);

    // The minutes view: the preview prints the draft, and follows an edit that does not move the log.
    await page.locator('[data-testid=desk-view-minutes]').click();
    const preview = page.locator('[data-testid=minutes-preview-doc]');
    await expect.poll(async () => squash((await preview.textContent()) ?? ''), { timeout: 15_000 }).toContain(squash('会议决定成立停车管理筹备组。'));
    const console_ = await pages.console(created);
    // The console lists the draft with its fixed rule (no access to choose) and offers no board for it.
    await console_.locator(`[data-testid=documents-panel] [data-doc-id="${draftId}"] [data-testid=document-access-fixed]`).waitFor();
    expect(await console_.locator(`[data-testid=documents-panel] [data-doc-id="${draftId}"] [data-testid=document-access]`).count()).toBe(0);
    await console_.locator(`[data-testid=documents-panel] [data-doc-id="${draftId}"] [data-testid=document-open]`).click();
    await console_.waitForURL(`**/d/${draftId}**`);
    await console_.locator('[data-testid=doc-sync][data-synced=true]').waitFor();
    expect(await console_.locator('[data-testid=doc-board]').count()).toBe(0);
    await editor(console_).locator('p').last().click();
    await console_.keyboard.press('End');
    await console_.keyboard.press('Enter');
    await console_.keyboard.type('主持人补充：经费由联合会承担');
    await expect.poll(async () => squash((await preview.textContent()) ?? ''), { timeout: 15_000 }).toContain(squash('主持人补充：经费由联合会承担'));
    expect(firstOutOfOrder(squash((await preview.textContent()) ?? ''), ['会议记录', '会议决定成立停车管理筹备组。', '筹备组下周提出方案', '主持人补充：经费由联合会承担', '签字'].map(squash))).toBeNull();
    expect(squash((await preview.textContent()) ?? '')).not.toContain(squash('记录员没有填写记录。'));
    await preview.locator('h4', { hasText: '会议记录' }).scrollIntoViewIfNeeded();
    await shot(page, 'desk-minutes-preview-draft-1366x768');

    const md = await downloadFrom(page, 'download-minutes-md', SHOTS, 'minutes-with-draft.md');
    const body = readFileSync(md.file, 'utf8');
    expect(firstOutOfOrder(body, ['## 会议记录', '会议决定成立停车管理筹备组。', '筹备组下周提出方案', '主持人补充：经费由联合会承担', '## 签字'])).toBeNull();
  });
});
