import { section, type Block, type Inline } from '../record/model.ts';
import { NONE, phaseLabel, timeOnDay } from '../record/words.ts';
import type { LogEntry } from '../registry.ts';

/*
 * The minutes' agenda as it ran: each phase the meeting went through, in the order it ran, with its
 * start and end (a phase the facilitator went back to runs twice); the phase still running is "in
 * progress"; the template's phases never reached are listed as such. The state holds only the current
 * phase; the times come from the log's phase moves.
 */

interface Run {
  phaseId: string;
  from: number;
  to: number | null;
}

interface Acc {
  runs: Run[];
}

export const agendaSection = section<Acc>({
  id: 'agenda',
  init: () => ({ runs: [] }),
  step(acc, entry: LogEntry) {
    const event = entry.event;
    const open = acc.runs.at(-1);
    if (event.type === 'meeting.created') {
      const first = event.phases[0];
      if (first !== undefined) acc.runs.push({ phaseId: first.id, from: entry.at, to: null });
    } else if (event.type === 'phase.changed') {
      if (open !== undefined && open.to === null) open.to = entry.at;
      acc.runs.push({ phaseId: event.toPhaseId, from: entry.at, to: null });
    } else if (event.type === 'meeting.ended') {
      if (open !== undefined && open.to === null) open.to = entry.at;
    }
  },
  blocks(acc, ctx) {
    const { state, t } = ctx;
    const reached = new Set(acc.runs.map((run) => run.phaseId));
    const rows: Inline[][][] = acc.runs.flatMap((run) => {
      const phase = state.phases.find((p) => p.id === run.phaseId);
      if (phase === undefined) return [];
      const to: Inline = run.to === null ? { text: t('进行中', 'in progress'), bold: true } : timeOnDay(ctx, run.to);
      return [[[phaseLabel(ctx, phase)], [timeOnDay(ctx, run.from)], [to]]];
    });
    for (const phase of state.phases) {
      if (!reached.has(phase.id)) rows.push([[{ text: phaseLabel(ctx, phase), muted: true }], [{ text: t('未进行', 'not reached'), muted: true }], [NONE]]);
    }
    const blocks: Block[] = [
      { kind: 'heading', level: 2, text: t('议程执行情况', 'Agenda as it ran') },
      { kind: 'table', header: [t('环节', 'Phase'), t('开始', 'Started'), t('结束', 'Ended')], rows, widths: [4, 2, 2] }
    ];
    return blocks;
  }
});
