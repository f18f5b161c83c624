import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
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
