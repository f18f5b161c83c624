import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { applyTemplate, workflowTemplate } from '../../web/src/lib/diagram/diagramDoc.ts';
import { docxText, pdffonts, pdftotext, squash, unzip } from '../../packages/export/test/tools.ts';
import { createDocument, createLink, createMeeting } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { hallSession, LAPTOP } from './hall.ts';
import { axeViolations, downloadFrom, meetingPages, versionDownloadsOnPhone } from './pages.ts';

/**
 * A diagram in the record (issue 11, item 9): the seed's workflow is drawn (by a Node-side editor, the
 * template the editor's button applies), the secretary saves it as a named version on the desk's
 * document page and downloads the version as PDF and DOCX from the version's view. The PDF's first page
 * is rendered to PNG and the DOCX's picture saved beside the screenshots, to be looked at [D36, D37].
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots/diagramExport');
const session = hallSession({ shots: SHOTS });
const pages = meetingPages(session);
const { newContext, keep } = session;
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const STEPS: [string, string, string, string, string, string] = ['开始', '居民反映', '理事会协调', '商户整改', '回访', '结束'];

describe('a diagram version in the record (sqlite store)', () => {
  test('[D36][D37] the secretary saves the workflow as a named version and downloads it as PDF and DOCX: the picture with its labels as text', { timeout: 150_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'workflow', '投诉处理流程', 'everyone');
    const ed = yjsClient(session.hall.url, created.meetingId, docId, created.facilitatorToken);
    keep({ close: () => ed.provider.destroy() });
    await ed.synced();
    applyTemplate(ed.doc, workflowTemplate(STEPS), Symbol('facilitator'));

    const secretary = await createLink(session.hall.url, created.meetingId, created.facilitatorToken, 'secretary');
    const page = await (await newContext(LAPTOP)).newPage();
    await page.goto(`${session.hall.base}/m/${created.meetingId}/secretary#token=${secretary}`);
    await page.locator(`[data-testid=documents-panel] [data-doc-id="${docId}"] [data-testid=document-open]`).click();
    await page.waitForURL(`**/d/${docId}**`);
    await page.locator('[data-testid=doc-sync][data-synced=true]').waitFor();
    await waitFor(async () => (await page.locator('[data-testid=diagram-canvas] [data-testid=diagram-node]').count()) === 6, { what: 'the workflow on the page', timeoutMs: 30_000 });

    await page.locator('[data-testid=ver-name]').fill('流程 v1');
    await page.locator('[data-testid=ver-save]').click();
    await page.locator('[data-testid=ver-saved]').waitFor();
    await page.locator('[data-testid=ver-item] [data-testid=ver-view]').first().click();
    const exportBox = page.locator('[data-testid=ver-export]');
    await exportBox.waitFor();
    await expect.poll(() => exportBox.locator('[data-testid=ver-export-md]').textContent()).toContain('SVG');
    await exportBox.scrollIntoViewIfNeeded();
    await shot(page, 'diagram-version-export-1366x768');
    expect(await axeViolations(page)).toEqual([]);

    const pdf = await downloadFrom(page, 'ver-export-pdf', SHOTS, 'workflow-version.pdf');
    expect(pdf.name).toMatch(/^文件版本-投诉处理流程-流程 v1-\d{4}-\d{2}-\d{2}\.pdf$/);
    expect(pdffonts(pdf.file)).toMatch(/\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
    const first = squash(pdftotext(pdf.file, '-f', '1', '-l', '1'));
    for (const s of ['投诉处理流程', '流程v1', ...STEPS]) expect(first).toContain(s);
    expect(squash(pdftotext(pdf.file))).toContain('开始→居民反映');
    const prefix = path.join(SHOTS, 'workflow-version-pdf-page1');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdf.file, prefix]);

    const docx = await downloadFrom(page, 'ver-export-docx', SHOTS, 'workflow-version.docx');
    const bytes = readFileSync(docx.file);
    const files = unzip(bytes);
    const png = Object.keys(files).find((f) => /^word\/media\/[^/]+\.png$/.test(f));
    expect(png && Object.keys(files).some((f) => /^word\/media\/[^/]+\.svg$/.test(f))).toBeTruthy();
    writeFileSync(path.join(SHOTS, 'workflow-version-docx-image.png'), files[png!]!);
    expect(docxText(bytes).text).toContain('理事会协调 → 商户整改');

    // A participant may read the workflow: the 360 px phone offers the same three downloads, each ≥ 44 px.
    const phone = await pages.phone(created, '安阿姨', '居民');
    await versionDownloadsOnPhone(phone, docId);
    await shot(phone, 'phone-diagram-version-export-360x740');
    expect(await axeViolations(phone)).toEqual([]);
  });
});
