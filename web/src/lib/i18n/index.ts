import { DEFAULT_GROUPS, type ErrorCode, type PhaseKind, type Phase, type ProtocolError } from '@yishi/protocol';
import { m } from '$lib/paraglide/messages';
import { getLocale, setLocale, locales } from '$lib/paraglide/runtime';

export { m, getLocale, setLocale, locales };

const CHOSEN = 'yishi:locale-chosen';

/** Switches language because the person asked to; remembered, so a meeting's language never overrides it. */
export function chooseLocale(locale: (typeof locales)[number]): void {
  try {
    localStorage.setItem(CHOSEN, locale);
  } catch {
    // No storage (some in-app browsers): the switch still works for this visit.
  }
  setLocale(locale);
}

export function localeWasChosen(): boolean {
  try {
    return localStorage.getItem(CHOSEN) !== null;
  } catch {
    return true; // cannot tell: behave as if chosen, never switch on the person's behalf
  }
}

const ERROR_TEXT: Record<ErrorCode, () => string> = {
  invalid: m.error_invalid,
  unauthorized: m.error_unauthorized,
  forbidden: m.error_forbidden,
  not_found: m.error_not_found,
  conflict: m.error_conflict,
  wrong_phase: m.error_wrong_phase,
  rate_limited: m.error_rate_limited,
  too_large: m.error_too_large,
  closed: m.error_closed,
  version_mismatch: m.error_version_mismatch,
  internal: m.error_internal
};

/** A refused join and a refused command after the end are different situations and read differently. */
const CLOSED_TEXT: Record<NonNullable<ProtocolError['reason']>, () => string> = {
  joining_closed: m.error_joining_closed,
  meeting_ended: m.error_meeting_ended,
  after_end: m.error_after_end
};

const FIELD_TEXT: Record<string, () => string> = {
  title: m.field_title,
  name: m.field_name,
  group: m.field_group,
  joinCode: m.field_joinCode,
  groups: m.field_groups,
  description: m.field_description,
  recoveryCode: m.field_recoveryCode,
  convenerName: m.field_name,
  convenerGroup: m.field_group,
  place: m.field_place,
  facilitatorName: m.field_facilitatorName,
  secretaryName: m.field_secretaryName,
  notes: m.field_notes,
  count: m.field_count,
  phaseIds: m.field_phaseIds,
  seconds: m.field_seconds,
  minutes: m.field_minutes
};

/** What a person reads for an error: always from the catalogue by code, never the server's message. */
export function errorText(error: Pick<ProtocolError, 'code' | 'field' | 'reason'> | 'network'): string {
  if (error === 'network') return m.error_network();
  if (error.code === 'closed' && error.reason) return CLOSED_TEXT[error.reason]();
  if (error.code === 'invalid' && error.field) {
    const field = FIELD_TEXT[error.field.split('.')[0] ?? ''];
    if (field) return m.error_invalid_field({ field: field() });
  }
  return (ERROR_TEXT[error.code] ?? m.error_internal)();
}

/** For pages opened with a board or secretary link: a refused token means the link no longer works. */
export function linkErrorText(error: Pick<ProtocolError, 'code' | 'field' | 'reason'>): string {
  return error.code === 'unauthorized' || error.code === 'forbidden' ? m.link_invalid() : errorText(error);
}

const PHASE_TEXT: Record<PhaseKind, () => string> = {
  opening: m.phase_opening,
  marketplace: m.phase_marketplace,
  agenda: m.phase_agenda,
  breakouts: m.phase_breakouts,
  harvest: m.phase_harvest,
  convergence: m.phase_convergence,
  closing: m.phase_closing
};

/** The catalogue name of a phase kind. */
export function phaseKindName(kind: PhaseKind): string {
  return PHASE_TEXT[kind]();
}

/** A facilitator's own title wins; otherwise the catalogue name of the phase kind. */
export function phaseName(phase: Phase): string {
  return phase.title ?? PHASE_TEXT[phase.kind]();
}

const GROUP_TEXT: Record<(typeof DEFAULT_GROUPS)[number], () => string> = {
  居民: m.group_residents,
  商户: m.group_merchants,
  居委会: m.group_committee,
  街道: m.group_subdistrict,
  社会组织: m.group_ngo,
  专家: m.group_experts,
  其他: m.group_other
};

/** Default stakeholder groups are stored in Chinese; show them in the UI language. Custom names as typed. */
export function groupName(group: string): string {
  const text = (GROUP_TEXT as Record<string, (() => string) | undefined>)[group];
  return text ? text() : group;
}
