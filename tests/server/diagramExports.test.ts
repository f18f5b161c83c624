import { type Ack, type ExportLinkResponse } from '@yishi/protocol';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { addNode, connect } from '../../web/src/lib/diagram/diagramDoc.ts';
import { createDocument, createLink, createMeeting } from '../helpers/clients.ts';
import { ROOT, STORE_KINDS } from '../helpers/servers.ts';
import { docServer } from '../helpers/docServer.ts';
import { waitFor } from '../helpers/wait.ts';
import { diagramOfContent } from '../../realtime-server/src/yjs/diagramData.ts';
import { docxText, pdffonts, pdftotext, unzip as unzipSync, utf8 as strFromU8, writeTemp } from '../../packages/export/test/tools.ts';

/**
 * A diagram's named version exports with its picture [D36, D37]: the secretary downloads a workflow
 * chart's version as PDF (drawn in the embedded Noto Sans SC, labels as text), DOCX (an SVG picture with
 * a PNG fallback) and Markdown (a zip of the .md and the .svg beside it), over real HTTP from a real
 * server on both stores, the diagram written by a real y-websocket editor through the editor's own
 * functions. The PDF's first page and the DOCX's picture are saved under test-results/screenshots/
 * diagramExport, for a person to look at.
 */

const SHOTS = joinPath(ROOT, 'test-results/screenshots/diagramExport');
const STEPS = ['开始', '居民反映', '理事会协调', '商户整改', '回访', '结束'];
const ME = Symbol('test-editor');

function shot(name: string, bytes: Uint8Array): void {
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(joinPath(SHOTS, name), bytes);
}

/** The seed's workflow, made as the template makes it: one step under the other, each joined to the next. */
function writeWorkflow(doc: Y.Doc): void {
  doc.transact(() => {
    const ids = STEPS.map((label, i) => addNode(doc, { kind: i === 0 || i === STEPS.length - 1 ? 'terminal' : 'step', label, x: 0, y: i * 110 }, ME));
    ids.slice(1).forEach((id, i) => connect(doc, ids[i]!, id, ME));
    // A hostile label: it must come out as text everywhere.
    addNode(doc, { kind: 'note', label: '<img src=x onerror=alert(1)>', x: 220, y: 220 }, ME);
  }, ME);
}

const versionIdOf = (ack: Ack): string => {
  const id = ack.ok ? ack.result?.versionId : undefined;
  if (typeof id !== 'string') throw new Error(`save refused: ${JSON.stringify(ack)}`);
  return id;
};

describe.each(STORE_KINDS)('diagram version exports on %s', (kind) => {
  const fx = docServer(kind);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());

  it('[D36][D37] the secretary downloads a workflow version as PDF, DOCX and Markdown+SVG: the picture, its labels as text, the list of nodes and connections', { timeout: 120_000 }, async () => {
    const m = await createMeeting(fx.srv.url, { title: '滨河东里议事会' });
    const docId = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'workflow', '投诉处理流程');
    const ed = await fx.editor(m.meetingId, docId, m.facilitatorToken);
    writeWorkflow(ed.doc);
    const secretary = await createLink(fx.srv.url, m.meetingId, m.facilitatorToken, 'secretary');
    const sec = await fx.socket(secretary);
    // The save takes the content the server holds: wait until all seven nodes reached it (generous: the machine may be busy).
    await waitFor(async () => diagramOfContent(await fx.srv.server.yjs.content(m.meetingId, docId)).nodes.length === 7, { what: 'the workflow on the server', timeoutMs: 30_000 });
    const versionId = versionIdOf(await sec.send({ type: 'document.version.save', docId, name: '流程 v1' }));
    const url = (format: string) => `${fx.srv.url}/api/meetings/${m.meetingId}/documents/${docId}/versions/${versionId}/export.${format}`;

    // PDF: the labels are text in the embedded, subset Noto Sans SC; the list follows the picture.
    const pdf = await fetch(url('pdf'), { headers: bearer(secretary) });
    expect(pdf.status).toBe(200);
    const pdfBytes = await bytes(pdf);
    const pdfPath = writeTemp(pdfBytes, 'pdf');
    const fonts = pdffonts(pdfPath);
    expect(fonts).toMatch(/[A-Z]{6}\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
    const text = pdftotext(pdfPath).replace(/\s+/g, '');
    for (const s of ['投诉处理流程', '流程v1', '工作流程图', '图中的内容', '开始→居民反映', '回访→结束', '<imgsrc=xonerror=alert(1)>']) expect(text).toContain(s);
    // Every step's label is drawn on the first page (the picture), not only listed after it.
    const first = pdftotext(pdfPath, '-f', '1', '-l', '1').replace(/\s+/g, '');
    for (const s of STEPS) expect(first).toContain(s);
    const prefix = writeTemp(new Uint8Array(), 'x').replace(/\.x$/, '');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdfPath, prefix]);
    const page = readFileSync(`${prefix}.png`);
    shot(`workflow-version-pdf-page1-${kind}.png`, page);
    // The page has the diagram's colours on it (the terminals' green), not only black text.
    const png = PNG.sync.read(page);
    let green = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i + 1]! > png.data[i]! + 10 && png.data[i + 1]! > png.data[i + 2]! + 5) green++;
    expect(green).toBeGreaterThan(200);

    // DOCX: an SVG picture and its PNG fallback; the PNG decodes and is not blank; the list is text.
    const docx = await fetch(url('docx'), { headers: bearer(secretary) });
    expect(docx.status).toBe(200);
    const docxBytes = await bytes(docx);
    const files = unzipSync(docxBytes);
    const svgName = Object.keys(files).find((f) => /^word\/media\/.+\.svg$/.test(f));
    const pngName = Object.keys(files).find((f) => /^word\/media\/.+\.png$/.test(f));
    expect(svgName && pngName).toBeTruthy();
    const svg = strFromU8(files[svgName!]!);
    for (const s of STEPS) expect(svg).toContain(`>${s}</text>`);
    expect(svg).toContain('&lt;img src=x');
    expect(svg).toContain('onerror=alert(1)&gt;');
    expect(svg).not.toContain('<img');
    const picture = PNG.sync.read(Buffer.from(files[pngName!]!));
    expect(picture.width).toBeGreaterThan(200);
    let dark = 0;
    for (let i = 0; i < picture.data.length; i += 4) if (picture.data[i]! < 80 && picture.data[i + 1]! < 80 && picture.data[i + 2]! < 80) dark++;
    expect(dark).toBeGreaterThan(500);
    shot(`workflow-version-docx-image-${kind}.png`, files[pngName!]!);
    const dtext = docxText(docxBytes);
    for (const s of ['投诉处理流程', '流程 v1', '开始 → 居民反映', '商户整改 → 回访']) expect(dtext.text).toContain(s);
    expect(dtext.xml).toMatch(/<wp:docPr [^>]*descr="工作流程图：投诉处理流程 · 流程 v1"/);

    // Markdown: a zip of the .md and the SVG it shows, named after the download.
    const md = await fetch(url('md'), { headers: bearer(secretary) });
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toBe('application/zip');
    expect(decodeURIComponent(md.headers.get('content-disposition')!)).toMatch(/filename\*=UTF-8''文件版本-投诉处理流程-流程 v1-\d{4}-\d{2}-\d{2}\.zip$/);
    const zip = unzipSync(await bytes(md));
    const names = Object.keys(zip).sort();
    expect(names).toHaveLength(2);
    const mdName = names.find((n) => n.endsWith('.md'))!;
    const svgFile = names.find((n) => n.endsWith('.svg'))!;
    expect(svgFile).toBe(mdName.replace(/\.md$/, '-图1.svg'));
    const markdown = strFromU8(zip[mdName]!);
    expect(markdown).toContain(`](<${svgFile.replace(/ /g, '%20')}>)`);
    expect(markdown).toContain('开始 → 居民反映');
    expect(strFromU8(zip[svgFile]!)).toContain('>理事会协调</text>');

    // The short-lived download link serves the same PDF.
    const link = await fetch(`${fx.srv.url}/api/meetings/${m.meetingId}/export/links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(secretary) },
      body: JSON.stringify({ what: 'version', format: 'pdf', docId, versionId })
    });
    expect(link.status).toBe(201);
    const viaLink = await fetch(`${fx.srv.url}${((await link.json()) as ExportLinkResponse).url}`);
    expect(viaLink.status).toBe(200);
    expect(pdftotext(writeTemp(await bytes(viaLink), 'pdf')).replace(/\s+/g, '')).toContain('理事会协调');
  });

  it('[D36] an empty diagram version exports with a note and no picture: its Markdown is one .md file, its DOCX has no media', async () => {
    const m = await createMeeting(fx.srv.url, { title: '滨河东里议事会' });
    const docId = await createDocument(fx.srv.url, m.meetingId, m.facilitatorToken, 'zoning', '分片示意图');
    const secretary = await createLink(fx.srv.url, m.meetingId, m.facilitatorToken, 'secretary');
    const sec = await fx.socket(secretary);
    const versionId = versionIdOf(await sec.send({ type: 'document.version.save', docId, name: '空白' }));
    const url = (format: string) => `${fx.srv.url}/api/meetings/${m.meetingId}/documents/${docId}/versions/${versionId}/export.${format}`;
    const md = await fetch(url('md'), { headers: bearer(secretary) });
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await md.text()).toContain('这个版本的图是空的。');
    const docx = await fetch(url('docx'), { headers: bearer(secretary) });
    expect(Object.keys(unzipSync(await bytes(docx))).some((f) => f.startsWith('word/media/'))).toBe(false);
  });
});
