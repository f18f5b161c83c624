import type { DiagramColour, DiagramNodeKind } from '@yishi/domain';
import { m } from '$lib/i18n';

/** The name of a node kind and of an area colour, in the page's language. */
export const KIND_TEXT: Record<DiagramNodeKind, () => string> = {
  step: m.diagram_kind_step,
  decision: m.diagram_kind_decision,
  terminal: m.diagram_kind_terminal,
  role: m.diagram_kind_role,
  person: m.diagram_kind_person,
  area: m.diagram_kind_area,
  note: m.diagram_kind_note
};

export const COLOUR_TEXT: Record<DiagramColour, () => string> = {
  sand: m.diagram_colour_sand,
  sky: m.diagram_colour_sky,
  leaf: m.diagram_colour_leaf,
  rose: m.diagram_colour_rose,
  stone: m.diagram_colour_stone,
  lilac: m.diagram_colour_lilac
};
