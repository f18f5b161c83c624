import type { Phase, PhaseKind } from '@yishi/protocol';
import type { RecordContext } from './model.ts';

/*
 * Words more than one section of the record writes, in the meeting's language (the web catalogue names
 * them the same way).
 */

const PHASES: Record<PhaseKind, [string, string]> = {
  opening: ['开场', 'Opening'],
  marketplace: ['议题集市', 'Topic marketplace'],
  agenda: ['排议程', 'Agenda'],
  breakouts: ['分组讨论', 'Breakout sessions'],
  harvest: ['成果汇报', 'Harvest'],
  convergence: ['聚焦投票', 'Convergence'],
  closing: ['总结闭幕', 'Closing']
};

/** A facilitator's own title wins; otherwise the name of the phase kind. */
export function phaseLabel(ctx: RecordContext, phase: Phase): string {
  const [zh, en] = PHASES[phase.kind];
  return phase.title ?? ctx.t(zh, en);
}

const GROUPS: Record<string, string> = {
  居民: 'Residents',
  商户: 'Merchants',
  居委会: "Residents' committee",
  街道: 'Sub-district office',
  社会组织: 'Civil society groups',
  专家: 'Experts',
  其他: 'Other'
};

/** Default stakeholder groups are stored in Chinese; English minutes name them in English. Custom names as typed. */
export function groupLabel(ctx: RecordContext, group: string): string {
  const en = Object.hasOwn(GROUPS, group) ? GROUPS[group] : undefined;
  return en === undefined ? group : ctx.t(group, en);
}

/** People, counted: `12 人`, `12 people`. */
export function peopleCount(ctx: RecordContext, n: number): string {
  return ctx.t(`${n} 人`, n === 1 ? '1 person' : `${n} people`);
}

/** The dash an empty field or cell shows. */
export const NONE = '—';

/** A time on the meeting's day as its clock time only; on another day with its date. */
export function timeOnDay(ctx: RecordContext, at: number): string {
  return ctx.time(at, 'date') === ctx.time(ctx.state.createdAt, 'date') ? ctx.time(at, 'time') : ctx.time(at, 'datetime');
}
