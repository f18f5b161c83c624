import type { Phase, PhaseKind, TemplateId } from '@yishi/protocol';

/** A phase as a template lists it: everything but the id, which each meeting makes its own. */
export interface PhaseDraft {
  kind: PhaseKind;
  title: string | null;
  timeboxMinutes: number | null;
  allows: { topics: boolean };
}

/**
 * What a phase of each kind allows unless a template says otherwise; a phase the facilitator adds
 * takes these. Topics are posted in the marketplace and may still be added while the agenda is laid out.
 */
export const KIND_DEFAULTS: { readonly [K in PhaseKind]: Omit<PhaseDraft, 'kind' | 'title'> } = {
  opening: { timeboxMinutes: 15, allows: { topics: false } },
  marketplace: { timeboxMinutes: 30, allows: { topics: true } },
  agenda: { timeboxMinutes: 15, allows: { topics: true } },
  breakouts: { timeboxMinutes: 60, allows: { topics: false } },
  harvest: { timeboxMinutes: 30, allows: { topics: false } },
  convergence: { timeboxMinutes: 20, allows: { topics: false } },
  closing: { timeboxMinutes: 10, allows: { topics: false } }
};

/** A phase of a kind as its defaults make it. */
export function draftOf(kind: PhaseKind, title: string | null = null, timeboxMinutes?: number | null): PhaseDraft {
  const defaults = KIND_DEFAULTS[kind];
  return { kind, title, timeboxMinutes: timeboxMinutes === undefined ? defaults.timeboxMinutes : timeboxMinutes, allows: { ...defaults.allows } };
}

/**
 * Meeting templates, as data: each is the list of phases a new meeting starts with. The facilitator
 * shapes them from there (rename, add, remove, reorder, timebox) [D38]; other templates add their lists here.
 */
export const TEMPLATES: { readonly [T in TemplateId]: readonly PhaseDraft[] } = {
  'open-space': (['opening', 'marketplace', 'agenda', 'breakouts', 'harvest', 'convergence', 'closing'] as const).map((kind) => draftOf(kind))
};

/** The phases of a new meeting, as data; `title: null` lets the UI show the catalogue name of the kind. */
export function createPhases(templateId: TemplateId, newId: () => string): Phase[] {
  return TEMPLATES[templateId].map((draft) => ({ id: newId(), kind: draft.kind, title: draft.title, timeboxMinutes: draft.timeboxMinutes, allows: { ...draft.allows } }));
}
