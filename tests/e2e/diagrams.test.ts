import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { addNode, deleteNodes, moveNodes, readDiagram, type Diagram } from '../../web/src/lib/diagram/diagramDoc.ts';
import { createDocument, createMeeting, join } from '../helpers/clients.ts';
import { ROOT } from '../helpers/servers.ts';
import { yjsClient } from '../helpers/yjs.ts';
import { hallSession, PHONE } from './hall.ts';
import { axeViolations, meetingPages } from './pages.ts';

/**
 * The diagram editor (issue 11): the facilitator's laptop starts the workflow from the seed's template
 * while a 360×740 phone relabels 回访 as 满意度回访 and adds a step and connects it by tap alone; elk
 * lays it out on demand as one undoable change; pinch zooms the phone; each sees the other's name;
 * labels with markup render as text.
 */
const SHOTS = path.join(ROOT, 'test-results/screenshots/diagrams');
const session = hallSession({ shots: SHOTS });
const pages = meetingPages(session);
const { keep } = session;
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
/** A screenshot with `target` scrolled to the top. */
async function keptShot(page: Page, name: string, target: Locator): Promise<void> {
  await target.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shot(page, name);
}

async function saveVersion(page: Page, name: string): Promise<void> {
  const before = await page.locator('[data-testid=ver-item]').count();
  await page.locator('[data-testid=ver-name]').fill(name);
  await page.locator('[data-testid=ver-save]').click();
  await expect.poll(() => page.locator('[data-testid=ver-item]').count()).toBe(before + 1);
}

/** Compares two named versions on `page` [D34]; answers each listed change as "group: text". */
async function compareVersions(page: Page, from: string, to: string): Promise<string[]> {
  await page.locator('[data-testid=cmp-from]').selectOption({ label: from });
  await page.locator('[data-testid=cmp-to]').selectOption({ label: to });
  await page.locator('[data-testid=cmp-go]').click();
  await expect.poll(() => page.locator('[data-testid=cmp-title]').textContent()).toBe(`“${from}” 与 “${to}” 的比较`);
  return page.locator('[data-testid=dcmp-group]').evaluateAll((groups) =>
    groups.flatMap((g) => [...g.querySelectorAll('[data-testid=dcmp-item]')].map((li) => `${g.getAttribute('data-group')}: ${(li.textContent ?? '').replace(/\s+/g, ' ').trim()}`))
  );
}

const synced = (page: Page) => page.locator('[data-testid=doc-sync][data-synced=true]').waitFor();
const labels = (page: Page) => page.locator('[data-testid=diagram-canvas] [data-testid=diagram-node] .label').allTextContents();
const node = (page: Page, label: string) => page.locator('[data-testid=diagram-canvas] .svelte-flow__node', { has: page.locator('.label', { hasText: new RegExp(`^${label}$`) }) });
const scale = (page: Page) => page.locator('.svelte-flow__viewport').evaluate((el) => new DOMMatrix(getComputedStyle(el).transform).a);

async function openFromList(page: Page, list: string, docId: string): Promise<void> {
  await page.locator(`[data-testid=${list}] [data-doc-id="${docId}"] [data-testid=document-open]`).click();
  await page.waitForURL(`**/d/${docId}**`);
  await page.locator('[data-testid=diagram-canvas]').waitFor();
  await synced(page);
}

/** A Node-side reader of the same document (what the server holds, as a fresh editor gets it). */
async function reader(meetingId: string, docId: string, token: string) {
  const c = yjsClient(session.hall.url, meetingId, docId, token);
  keep({ close: () => c.provider.destroy() });
  await c.synced();
  return c;
}
const chain = (d: Diagram, from: string): string[] => {
  const byId = new Map(d.nodes.map((n) => [n.id, n]));
  const out: string[] = [];
  let cur = d.nodes.find((n) => n.label === from);
  const seen = new Set<string>();
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id);
    out.push(cur.label);
    const next = d.edges.filter((e) => e.source === cur!.id).map((e) => byId.get(e.target)!).sort((a, b) => a.y - b.y)[0];
    cur = next;
  }
  return out;
};

/** Two fingers spreading apart over the canvas, as the phone's touch screen reports them. */
async function pinchOut(page: Page): Promise<void> {
  const box = (await page.locator('[data-testid=diagram-canvas] .svelte-flow__pane').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const cdp = await page.context().newCDPSession(page);
  const points = (d: number) => [
    { x: cx - d, y: cy, id: 1 },
    { x: cx + d, y: cy, id: 2 }
  ];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(20) });
  for (let d = 30; d <= 110; d += 10) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(d) });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

describe('the diagram editor', () => {
  test('laptop builds the workflow from the template while a 360 px phone relabels 回访 and adds and connects a step by tap; elk layout as one undo; pinch zoom; names; markup inert; axe clean; [D34] two versions compared on the phone and laptop (改名 回访 → 满意度回访, 新增 the step, markup as text)', { timeout: 150_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const docId = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'workflow', '投诉处理工作流程图', 'everyone');

    const laptop = await pages.console(created);
    await openFromList(laptop, 'documents-panel', docId);
    const phone = await pages.phone(created, '安阿姨', '居民');
    await openFromList(phone, 'document-list', docId);
    expect(await phone.locator('[data-testid=doc-title]').textContent()).toBe('投诉处理工作流程图');

    // The laptop starts from the seed's template: one change, laid out top to bottom.
    await laptop.locator('[data-testid=diagram-template]').click();
    const seed = ['开始', '居民反映', '理事会协调', '商户整改', '回访', '结束'];
    await expect.poll(async () => (await labels(phone)).sort()).toEqual([...seed].sort());
    const r = await reader(created.meetingId, docId, created.facilitatorToken);
    await expect.poll(() => chain(readDiagram(r.doc), '开始')).toEqual(seed);
    await expect.poll(() => {
      const d = readDiagram(r.doc);
      const ys = seed.map((l) => d.nodes.find((n) => n.label === l)!.y);
      return ys.every((y, i) => i === 0 || y > ys[i - 1]!);
    }).toBe(true);

    await shot(laptop, 'laptop-template');
    await shot(phone, 'phone-template');
    // The template as it came is the first named version.
    await saveVersion(laptop, '流程 v1');
    // The phone taps 回访, relabels it 满意度回访.
    await node(phone, '回访').tap();
    await phone.locator('[data-testid=diagram-label-input]').fill('满意度回访');
    await phone.locator('[data-testid=diagram-label-save]').tap();
    await expect.poll(() => labels(laptop)).toContain('满意度回访');
    // Done: the phone's toolbar comes back in place of the selection's panel.
    await phone.locator('[data-testid=diagram-done]').tap();

    // …adds a step by tap, names it, and connects it to 满意度回访: select, "connect", tap the target.
    await phone.locator('[data-testid=diagram-add-step]').tap();
    await expect(phone.locator('[data-testid=diagram-label-input]').inputValue()).resolves.toBe('步骤');
    await phone.locator('[data-testid=diagram-label-input]').fill('建立台账');
    await phone.locator('[data-testid=diagram-label-save]').tap();
    await expect.poll(() => labels(laptop)).toContain('建立台账');
    await phone.locator('[data-testid=diagram-connect]').tap();
    await phone.locator('[data-testid=diagram-connecting]').waitFor();
    await node(phone, '满意度回访').tap();
    await expect.poll(() => {
      const d = readDiagram(r.doc);
      const from = d.nodes.find((n) => n.label === '建立台账')?.id;
      const to = d.nodes.find((n) => n.label === '满意度回访')?.id;
      return d.edges.some((e) => e.source === from && e.target === to);
    }).toBe(true);
    await expect.poll(() => laptop.locator('[data-testid=diagram-canvas]').getAttribute('data-edges')).toBe('6');

    // Each sees the other by name.
    await expect.poll(() => laptop.locator('[data-testid=diagram-present] .who').allTextContents()).toContain('安阿姨');
    await expect.poll(() => phone.locator('[data-testid=diagram-present] .who').allTextContents()).toContain('主持人');

    // Someone drags 商户整改 far off; the laptop's layout puts it back in the column, as one undoable change.
    const d0 = readDiagram(r.doc);
    const fix = d0.nodes.find((n) => n.label === '商户整改')!;
    moveNodes(r.doc, [{ id: fix.id, x: fix.x + 900, y: fix.y }], 'someone');
    await expect.poll(() => laptop.locator('[data-testid=diagram-layout]').isEnabled()).toBe(true);
    const coordinate = d0.nodes.find((n) => n.label === '理事会协调')!.id;
    await laptop.locator('[data-testid=diagram-layout]').click();
    await expect.poll(() => {
      const d = readDiagram(r.doc);
      const x = (id: string) => d.nodes.find((n) => n.id === id)!.x;
      return Math.abs(x(fix.id) - x(coordinate));
    }).toBeLessThan(40);
    const laid = readDiagram(r.doc);
    await laptop.locator('[data-testid=diagram-undo]').click();
    await expect.poll(() => readDiagram(r.doc).nodes.find((n) => n.id === fix.id)!.x).toBe(fix.x + 900);
    // The undo took back the layout only: the phone's relabel and step are still there.
    expect(readDiagram(r.doc).nodes.map((n) => n.label)).toEqual(expect.arrayContaining(['满意度回访', '建立台账']));
    await laptop.locator('[data-testid=diagram-redo]').click();
    await expect.poll(() => readDiagram(r.doc).nodes.find((n) => n.id === fix.id)!.x).toBe(laid.nodes.find((n) => n.id === fix.id)!.x);

    // Pinch to zoom on the phone.
    await phone.locator('[data-testid=diagram-fit]').tap();
    const before = await scale(phone);
    await pinchOut(phone);
    await expect.poll(() => scale(phone)).toBeGreaterThan(before * 1.3);
    await phone.locator('[data-testid=diagram-fit]').tap();

    // Labels with markup, a javascript: address and right-to-left characters are text.
    const hostile = ['<img src=x onerror="window.__pwned=1">', 'javascript:window.__pwned=1', '\u202E居民\u202C'];
    hostile.forEach((label, i) => addNode(r.doc, { kind: 'step', label, x: -400, y: i * 90 }, 'someone'));
    await expect.poll(() => labels(laptop)).toEqual(expect.arrayContaining(hostile));
    expect(await laptop.locator('[data-testid=diagram-canvas] img, [data-testid=diagram-canvas] a').count()).toBe(0);
    expect(await laptop.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await phone.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // Looked at: the phone with a node selected, the laptop with the whole chart.
    await laptop.locator('[data-testid=diagram-fit]').click();
    if (await phone.locator('[data-testid=diagram-done]').count()) await phone.locator('[data-testid=diagram-done]').tap();
    await node(phone, '满意度回访').tap();
    await phone.locator('[data-testid=diagram-selection]').waitFor();
    // The panel of what was tapped is brought into view on the phone.
    await expect.poll(() => phone.locator('[data-testid=diagram-label-input]').evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })).toBe(true);
    await shot(phone, 'phone-workflow-360x740');
    await shot(laptop, 'laptop-workflow-1366x768');

    // Touch targets of at least 44 px inside 360 px (the selection's panel, then the toolbar); text at least 16 px.
    const targets = () =>
      phone.locator('[data-testid=diagram-toolbar] button, [data-testid=diagram-selection] button, .zoom button').evaluateAll((bs) =>
        bs.map((b) => b.getBoundingClientRect()).filter((r) => r.width > 0).map((r) => ({ w: r.width, h: r.height, right: r.right }))
      );
    const boxes = await targets();
    expect(await axeViolations(phone)).toEqual([]);
    await phone.locator('[data-testid=diagram-done]').tap();
    await phone.locator('[data-testid=diagram-toolbar]').waitFor();
    boxes.push(...(await targets()));
    expect(boxes.length).toBeGreaterThan(12);
    for (const b of boxes) {
      expect(b.w).toBeGreaterThanOrEqual(44);
      expect(b.h).toBeGreaterThanOrEqual(44);
      expect(b.right).toBeLessThanOrEqual(360);
    }
    const sizes = await phone.locator('[data-testid=diagram-node], [data-testid=diagram-label-input]').evaluateAll((els) => els.map((e) => parseFloat(getComputedStyle(e).fontSize)));
    for (const s of sizes) expect(s).toBeGreaterThanOrEqual(16);
    expect(await axeViolations(phone)).toEqual([]);
    expect(await axeViolations(laptop)).toEqual([]);

    // A second version, compared with the first on the phone [D34]: the relabel, the step the phone
    // added and its connection, the markup labels as text (never elements), moves told quietly.
    await saveVersion(laptop, '流程 v2');
    const listed = await compareVersions(phone, '流程 v1', '流程 v2');
    expect(listed).toEqual(expect.arrayContaining(['relabelled: 步骤 回访 → 满意度回访', 'added: 步骤 建立台账', 'added: 连线 建立台账 → 满意度回访', ...hostile.map((l) => `added: 步骤 ${l}`)]));
    expect(listed.filter((l) => l.startsWith('removed'))).toEqual([]);
    const result = phone.locator('[data-testid=cmp-result]');
    expect(await result.locator('[data-testid=dcmp-group] h5').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^新增/), expect.stringMatching(/^改名/)]));
    expect(await result.locator('img, a, script').count()).toBe(0);
    expect(await phone.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // The newer version drawn with the added and changed nodes outlined, and a key saying which is which.
    await expect.poll(() => result.locator('[data-testid=board-diagram-mark][data-mark=changed]').count()).toBe(1);
    expect(await result.locator('[data-testid=board-diagram-mark][data-mark=added]').count()).toBe(1 + hostile.length);
    expect(await result.locator('[data-testid=dcmp-drawing] .key li').allTextContents()).toEqual(['粗虚线框：新增的节点', '点线框：改名或改动的节点']);
    const textSizes = await result.locator(':is(p, li, h5, span, bdi, summary)').evaluateAll((els) => els.map((e) => parseFloat(getComputedStyle(e).fontSize)));
    for (const px of textSizes) expect(px).toBeGreaterThanOrEqual(16);
    expect(await result.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    await keptShot(phone, 'phone-diagram-compare-360x740', result);
    await keptShot(phone, 'phone-diagram-compare-drawing-360x740', result.locator('[data-testid=dcmp-drawing]'));
    expect(await axeViolations(phone)).toEqual([]);
    await compareVersions(laptop, '流程 v1', '流程 v2');
    await keptShot(laptop, 'console-diagram-compare-1366x768', laptop.locator('[data-testid=cmp-result]'));
    await keptShot(laptop, 'console-diagram-compare-drawing-1366x768', laptop.locator('[data-testid=dcmp-drawing]'));
    expect(await axeViolations(laptop)).toEqual([]);
    // In English too.
    await laptop.locator('button.locale').click();
    await expect.poll(() => laptop.locator('[data-testid=cmp-go]').textContent()).toBe('Compare');
    await laptop.locator('[data-testid=cmp-from]').selectOption({ label: '流程 v1' });
    await laptop.locator('[data-testid=cmp-to]').selectOption({ label: '流程 v2' });
    await laptop.locator('[data-testid=cmp-go]').click();
    await expect.poll(() => laptop.locator('[data-testid=dcmp-group] h5').allTextContents()).toEqual(['Added 5', 'Renamed 1', expect.stringMatching(/^Other changes \d+$/)]);
    expect(await laptop.locator('[data-testid=dcmp-group][data-group=relabelled] li').textContent()).toMatch(/^\s*Step\s+回访\s*→\s*满意度回访\s*$/);
    await keptShot(laptop, 'console-diagram-compare-en-1366x768', laptop.locator('[data-testid=cmp-result]'));
  });
  test('an org chart from the template, another and a zoning sketch from scratch on the laptop, each shown on the 1920×1080 board, fitted, read-only, labels at least 28 px; legend; [D30] a phone’s offline relabel survives a reload without a network and is sent when back', { timeout: 150_000 }, async () => {
    const created = await createMeeting(session.hall.url, { title: '滨河东里民商联合会', groups: ['居民', '商户'], timeZone: 'Asia/Shanghai' });
    const org = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'orgChart', '联合会组织框架图', 'everyone');
    const zoning = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'zoning', '滨河东里分片示意图', 'everyone');
    const laptop = await pages.console(created);
    const board = await pages.board(created, 1920, 1080);

    // The org chart: 理事会 → 会长 / 副会长 → 居民组 / 商户组, as a tree.
    await openFromList(laptop, 'documents-panel', org);
    await laptop.locator('[data-testid=diagram-template]').click();
    const five = ['理事会', '会长', '副会长', '居民组', '商户组'];
    await expect.poll(async () => (await labels(laptop)).sort()).toEqual([...five].sort());
    const r = await reader(created.meetingId, org, created.facilitatorToken);
    await expect.poll(() => {
      const d = readDiagram(r.doc);
      const y = (l: string) => d.nodes.find((n) => n.label === l)?.y ?? NaN;
      return y('理事会') < y('会长') && y('会长') === y('副会长') && y('会长') < y('居民组');
    }).toBe(true);
    // A named version of it, viewed read-only: drawn from the version's content.
    await laptop.locator('[data-testid=ver-name]').fill('组织框架 v1');
    await laptop.locator('[data-testid=ver-save]').click();
    await laptop.locator('[data-testid=ver-item] [data-testid=ver-view]').click();
    await expect.poll(() => laptop.locator('[data-testid=ver-viewer] [data-testid=board-diagram-label]').allTextContents()).toEqual(expect.arrayContaining(five));
    await laptop.locator('[data-testid=ver-close]').click();
    await laptop.locator('[data-testid=doc-board-show]').click();
    await board.locator('[data-testid=board-diagram] svg').waitFor();
    await expect.poll(() => board.locator('[data-testid=board-diagram-label]').allTextContents()).toEqual(expect.arrayContaining(five));
    const boardSizes = () =>
      board.locator('[data-testid=board-diagram-label]').evaluateAll((ts) =>
        ts.map((t) => parseFloat(getComputedStyle(t).fontSize) * ((t as SVGTextElement).ownerSVGElement!.getScreenCTM()?.a ?? 0))
      );
    for (const px of await boardSizes()) expect(px).toBeGreaterThanOrEqual(27.9);
    // Markup in a label is text on the board too.
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const hostileId = addNode(r.doc, { kind: 'person', label: hostile, x: 600, y: 0 }, 'someone');
    await expect.poll(() => board.locator('[data-testid=board-diagram-label]').allTextContents()).toContain(hostile);
    expect(await board.locator('[data-testid=board-diagram] img, [data-testid=board-diagram] a, [data-testid=board-diagram] foreignObject').count()).toBe(0);
    expect(await board.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    deleteNodes(r.doc, [hostileId], 'someone');
    await expect.poll(() => board.locator('[data-testid=board-diagram-label]').allTextContents()).not.toContain(hostile);
    // Fitted: the drawing lies within the board's screen.
    const box = (await board.locator('[data-testid=board-diagram] svg').boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1920);
    expect(box.y + box.height).toBeLessThanOrEqual(1080);
    await shot(board, 'board-orgchart-1920x1080');
    await shot(laptop, 'laptop-orgchart-1366x768');

    // The zoning sketch from scratch: two areas, named and coloured, and a note pinned to one; a legend.
    await laptop.goto(`${session.hall.base}/m/${created.meetingId}/facilitator`);
    await openFromList(laptop, 'documents-panel', zoning);
    for (const [name, colour] of [
      ['餐饮片区', 'sand'],
      ['零售片区', 'sky']
    ] as const) {
      await laptop.locator('[data-testid=diagram-add-area]').click();
      await laptop.locator('[data-testid=diagram-label-input]').fill(name);
      await laptop.locator('[data-testid=diagram-label-save]').click();
      await laptop.locator(`[data-testid=diagram-colour-${colour}]`).click();
      await expect.poll(() => labels(laptop)).toContain(name);
    }
    await laptop.locator('[data-testid=diagram-add-note]').click();
    await laptop.locator('[data-testid=diagram-label-input]').fill('晚上十点后不外摆');
    await laptop.locator('[data-testid=diagram-label-save]').click();
    await expect.poll(async () => (await laptop.locator('[data-testid=diagram-legend] li').allTextContents()).sort()).toEqual(['零售片区', '餐饮片区']);
    const z = await reader(created.meetingId, zoning, created.facilitatorToken);
    await expect.poll(() => readDiagram(z.doc).nodes.map((n) => [n.kind, n.label, n.colour ?? null]).sort()).toEqual([
      ['area', '零售片区', 'sky'],
      ['area', '餐饮片区', 'sand'],
      ['note', '晚上十点后不外摆', null]
    ].sort());
    // The note was added while 零售片区 was selected: it is pinned to it.
    const zd = readDiagram(z.doc);
    expect(zd.nodes.find((n) => n.kind === 'note')?.area).toBe(zd.nodes.find((n) => n.label === '零售片区')?.id);
    await laptop.locator('[data-testid=diagram-fit]').click();
    await shot(laptop, 'laptop-zoning-1366x768');
    expect(await axeViolations(laptop)).toEqual([]);
    await laptop.locator('[data-testid=doc-board-show]').click();
    await expect.poll(async () => (await board.locator('[data-testid=board-diagram-legend] li').allTextContents()).sort()).toEqual(['零售片区', '餐饮片区']);
    for (const px of await boardSizes()) expect(px).toBeGreaterThanOrEqual(27.9);
    await shot(board, 'board-zoning-1920x1080');
    expect(await axeViolations(board)).toEqual([]);

    // An org chart from scratch too: a role and a person added and connected on the laptop.
    const council = await createDocument(session.hall.url, created.meetingId, created.facilitatorToken, 'orgChart', '理事会分工', 'everyone');
    await laptop.goto(`${session.hall.base}/m/${created.meetingId}/facilitator`);
    await openFromList(laptop, 'documents-panel', council);
    for (const [kind, name] of [
      ['role', '监事会'],
      ['person', '王监事']
    ] as const) {
      await laptop.locator(`[data-testid=diagram-add-${kind}]`).click();
      await laptop.locator('[data-testid=diagram-label-input]').fill(name);
      await laptop.locator('[data-testid=diagram-label-save]').click();
      await expect.poll(() => labels(laptop)).toContain(name);
    }
    await node(laptop, '监事会').click();
    await laptop.locator('[data-testid=diagram-connect]').click();
    await laptop.locator('[data-testid=diagram-connecting]').waitFor();
    await node(laptop, '王监事').click();
    const c = await reader(created.meetingId, council, created.facilitatorToken);
    await expect.poll(() => {
      const d = readDiagram(c.doc);
      const id = (l: string) => d.nodes.find((n) => n.label === l)?.id;
      return d.nodes.map((n) => `${n.kind}:${n.label}`).sort().join() + ' ' + d.edges.map((e) => `${e.source === id('监事会')}>${e.target === id('王监事')}`).join();
    }).toBe('person:王监事,role:监事会 true>true');

    // Offline [D30]: a phone on the loopback address (a secure context: the app shell is cached) relabels
    // a node of the org chart without a network, reloads without one and still has it, in the diagram
    // editor; back online, the change reaches the server.
    const joined = await join(session.hall.url, created.joinCode, '薄老板', '商户');
    const context = await session.newContext(PHONE);
    await context.addInitScript((s) => localStorage.setItem(`yishi:participant:meeting:${s.meetingId}`, JSON.stringify(s)), { ...joined, joinCode: created.joinCode });
    const phone = await context.newPage();
    const errors: string[] = [];
    phone.on('pageerror', (e) => errors.push(e.message));
    await phone.goto(`${session.hall.url}/m/${created.meetingId}/d/${org}`);
    await phone.locator('[data-testid=diagram-canvas]').waitFor({ timeout: 30_000 });
    await synced(phone);
    await expect.poll(() => phone.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => phone.evaluate(() => JSON.parse(localStorage.getItem('yishi:offline-docs') ?? '[]').length)).toBe(1);
    await context.setOffline(true);
    await phone.locator('[data-testid=doc-offline][data-state=kept]').waitFor();
    await node(phone, '副会长').tap();
    await phone.locator('[data-testid=diagram-label-input]').fill('副会长（商户）');
    await phone.locator('[data-testid=diagram-label-save]').tap();
    await expect.poll(() => phone.evaluate(() => JSON.parse(localStorage.getItem('yishi:offline-docs') ?? '[]')[0]?.unsent)).toBe(true);
    await phone.reload();
    await phone.locator('[data-testid=diagram-canvas]').waitFor({ timeout: 30_000 });
    await expect.poll(() => labels(phone)).toContain('副会长（商户）');
    await phone.locator('[data-testid=doc-offline][data-state=kept]').waitFor();
    expect(await phone.locator('[data-testid=diagram-toolbar]').count()).toBe(1);
    expect(readDiagram(r.doc).nodes.map((n) => n.label)).not.toContain('副会长（商户）');
    await context.setOffline(false);
    await phone.locator('[data-testid=doc-offline][data-state=sent]').waitFor({ timeout: 20_000 });
    await expect.poll(() => readDiagram(r.doc).nodes.map((n) => n.label), { timeout: 15_000 }).toContain('副会长（商户）');
    expect(errors).toEqual([]);
  });
});
