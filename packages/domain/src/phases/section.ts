import type { Phase } from '@yishi/protocol';
import { section, type Block, type Inline } from '../record/model.ts';
import { NONE, phaseLabel, timeOnDay } from '../record/words.ts';
import type { LogEntry } from '../registry.ts';

/*
 * The minutes' agenda as it ran: each phase the meeting went through, in the order it ran, with its
 * start and end (a phase the facilitator went back to runs twice), named as it was called when that run
 * ended (a later rename does not rewrite what ran); the phase still running is "in progress"; the
 * phases never reached are listed as the agenda holds them now [D39]. The state holds only the current
 * phase; the times come from the log's phase moves, the names from its phase edits.
 */

interface Run {
  phaseId: string;
  from: number;
  to: number | null;
  /** The phase as it was when the run ended; null while it runs. */
  phase: Phase | null;
}

interface Acc {
  runs: Run[];
  /** Every phase by id as the log has shaped it so far. */
  phases: Map<string, Phase>;
}

function close(acc: Acc, at: number): void {
  const open = acc.runs.at(-1);
  if (open !== undefined && open.to === null) {
    open.to = at;
    open.phase = acc.phases.get(open.phaseId) ?? null;
  }
}

export const agendaSection = section<Acc>({
  id: 'agenda',
  init: () => ({ runs: [], phases: new Map() }),
  step(acc, entry: LogEntry) {
    const event = entry.event;
    const edit = (id: string, change: (p: Phase) => Phase) => {
      const phase = acc.phases.get(id);
      if (phase !== undefined) acc.phases.set(id, change(phase));
    };
    switch (event.type) {
      case 'meeting.created': {
        for (const phase of event.phases) acc.phases.set(phase.id, phase);
        const first = event.phases[0];
        if (first !== undefined) acc.runs.push({ phaseId: first.id, from: entry.at, to: null, phase: null });
        break;
      }
      case 'phase.changed':
        close(acc, entry.at);
        acc.runs.push({ phaseId: event.toPhaseId, from: entry.at, to: null, phase: null });
        break;
      case 'meeting.ended':
        close(acc, entry.at);
        break;
      case 'phase.added':
        acc.phases.set(event.phase.id, event.phase);
        break;
      case 'phase.renamed':
        edit(event.phaseId, (p) => ({ ...p, title: event.phaseTitle }));
        break;
      case 'phase.timeboxSet':
        edit(event.phaseId, (p) => ({ ...p, timeboxMinutes: event.minutes }));
        break;
      default:
        break;
    }
  },
  blocks(acc, ctx) {
    const { state, t } = ctx;
    const reached = new Set(acc.runs.map((run) => run.phaseId));
    const rows: Inline[][][] = acc.runs.flatMap((run) => {
      const phase = run.phase ?? state.phases.find((p) => p.id === run.phaseId) ?? acc.phases.get(run.phaseId);
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
