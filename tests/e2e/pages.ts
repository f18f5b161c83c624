import { createRequire } from 'node:module';
import path from 'node:path';
import type { Download, Page } from 'playwright-core';
import { expect } from 'vitest';
import { createLink, join } from '../helpers/clients.ts';
import { LAPTOP, PHONE, type HallSession } from './hall.ts';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/** axe-core's findings on the page as it is now: WCAG A/AA and best practice, plus AAA contrast (7:1). */
export async function axeViolations(page: Page): Promise<{ id: string; nodes: string[] }[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    type Result = { violations: { id: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] };
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<Result> } }).axe;
    const result = await axe.run(document, { rules: { 'color-contrast-enhanced': { enabled: true } } });
    return result.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
  });
}

/** The pages of a meeting as its people open them: a joined phone, the facilitator's console, the board. */
export function meetingPages(session: HallSession) {
  return {
    async phone(created: { meetingId: string; joinCode: string }, name: string, group: string): Promise<Page> {
      const joined = await join(session.hall.url, created.joinCode, name, group);
      const context = await session.newContext(PHONE);
      await context.addInitScript((s) => localStorage.setItem(`yishi:participant:meeting:${s.meetingId}`, JSON.stringify(s)), { ...joined, joinCode: created.joinCode });
      const page = await context.newPage();
      await page.goto(`${session.hall.base}/m/${created.meetingId}`);
      await page.locator('[data-testid=me]').waitFor();
      return page;
    },
    async console(created: { meetingId: string; facilitatorToken: string }): Promise<Page> {
      const context = await session.newContext(LAPTOP);
      await context.addInitScript(({ meetingId, token }) => localStorage.setItem(`yishi:facilitator:${meetingId}`, JSON.stringify(token)), {
        meetingId: created.meetingId,
        token: created.facilitatorToken
      });
      const page = await context.newPage();
      page.on('dialog', (dialog) => void dialog.accept());
      await page.goto(`${session.hall.base}/m/${created.meetingId}/facilitator`);
      await page.locator('[data-testid=console-minutes]').waitFor();
      return page;
    },
    async board(created: { meetingId: string; facilitatorToken: string }, width: number, height: number): Promise<Page> {
      const token = await createLink(session.hall.url, created.meetingId, created.facilitatorToken);
      const page = await (await session.newContext({ viewport: { width, height }, locale: 'zh-CN' })).newPage();
      await page.goto(`${session.hall.base}/m/${created.meetingId}/board#token=${token}`);
      await page.locator('[data-testid=board-people]').waitFor();
      return page;
    }
  };
}

/** Clicks a download button and saves what the browser downloads in `dir`; the file's path and suggested name. */
export async function downloadFrom(page: Page, testid: string, dir: string, as: string): Promise<{ file: string; name: string }> {
  const [download] = (await Promise.all([page.waitForEvent('download'), page.locator(`[data-testid=${testid}]`).click()])) as [Download, unknown];
  const file = path.join(dir, as);
  await download.saveAs(file);
  expect(await download.failure()).toBeNull();
  return { file, name: download.suggestedFilename() };
}

/** A reader's 360 px phone opens the document's first version: it offers the three downloads, each at least 44 px and on screen. */
export async function versionDownloadsOnPhone(phone: Page, docId: string): Promise<void> {
  await phone.locator(`[data-testid=document-list] [data-doc-id="${docId}"] [data-testid=document-open]`).click();
  await phone.waitForURL(`**/d/${docId}**`);
  await phone.locator('[data-testid=ver-item] [data-testid=ver-view]').first().click();
  await phone.locator('[data-testid=ver-export]').scrollIntoViewIfNeeded();
  const buttons = await phone.locator('[data-testid=ver-export] button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect()).map((r) => ({ h: r.height, right: r.right })));
  expect(buttons).toHaveLength(3);
  for (const b of buttons) {
    expect(b.h).toBeGreaterThanOrEqual(44);
    expect(b.right).toBeLessThanOrEqual(360);
  }
}
