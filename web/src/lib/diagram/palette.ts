import type { DiagramColour, DiagramNodeKind } from '@yishi/domain';

/** Area fills: light enough that the ink (#1d232b) on them reads at better than 7:1. */
export const AREA_FILL: Record<DiagramColour, string> = {
  sand: '#f6e7c8',
  sky: '#d9ebfa',
  leaf: '#dcf0d5',
  rose: '#f9dde0',
  stone: '#e6e4df',
  lilac: '#e9e0f6'
};
/** Area borders: dark enough to see the edge of each area where areas overlap. */
export const AREA_BORDER: Record<DiagramColour, string> = {
  sand: '#7a5a12',
  sky: '#1d4f7a',
  leaf: '#2f5d24',
  rose: '#7f1d2d',
  stone: '#4a4740',
  lilac: '#4c2f7a'
};

/** Node kinds drawn as boxes (step, role, person, terminal, decision) versus areas and notes. */
export const BOX_KINDS: readonly DiagramNodeKind[] = ['step', 'decision', 'terminal', 'role', 'person'];
