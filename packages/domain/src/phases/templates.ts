import type { Phase, PhaseKind, TemplateId } from '@yishi/protocol';
import { exhaustive } from '../exhaustive.ts';

interface PhaseDraft {
  kind: PhaseKind;
  timeboxMinutes: number | null;
  topics: boolean;
}

/** Open space: topics are posted in the marketplace and may still be added while the agenda is laid out. */
const OPEN_SPACE: readonly PhaseDraft[] = [
  { kind: 'opening', timeboxMinutes: 15, topics: false },
  { kind: 'marketplace', timeboxMinutes: 30, topics: true },
  { kind: 'agenda', timeboxMinutes: 15, topics: true },
  { kind: 'breakouts', timeboxMinutes: 60, topics: false },
  { kind: 'harvest', timeboxMinutes: 30, topics: false },
  { kind: 'convergence', timeboxMinutes: 20, topics: false },
  { kind: 'closing', timeboxMinutes: 10, topics: false }
];

/** The phases of a new meeting, as data; `title: null` lets the UI show the catalogue name of the kind. */
export function createPhases(templateId: TemplateId, newId: () => string): Phase[] {
  switch (templateId) {
    case 'open-space':
      return OPEN_SPACE.map((draft) => ({
        id: newId(),
        kind: draft.kind,
        title: null,
        timeboxMinutes: draft.timeboxMinutes,
        allows: { topics: draft.topics }
      }));
    default:
      return exhaustive(templateId);
  }
}
