import type { Language } from '@yishi/protocol';
import type { LogEntry } from '../registry.ts';
import type { MeetingState } from '../state.ts';
import type { Outline } from '../documents/outline.ts';
import type { Diagram, DiagramKind } from '../documents/diagram.ts';

/*
 * The record's document model: what the minutes (and later the charter, the proceedings, the review
 * result table) are made of before they become Markdown, DOCX or PDF. Every string in it is the user's or
 * the catalogue's plain text: a renderer escapes it for its format and never reads markup in it. Each
 * feature module contributes its own section (`RecordSection`); the renderers in `packages/export` know
 * only these blocks, so a new section never touches them.
 */

/**
 * A run of text inside a paragraph, a list item or a table cell. `href` is a link's address (a document's
 * http, https or mailto link; a renderer links only such an address and prints anything else as text).
 */
export type Inline = string | { text: string; bold?: boolean; italic?: boolean; struck?: boolean; muted?: boolean; href?: string };

export type Block =
  /** Level 1 is the document's title; sections start at level 2. */
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; inlines: Inline[] }
  /** Label–value lines: date, place, facilitator, … */
  | { kind: 'fields'; rows: { label: string; value: string }[] }
  /** `widths` are relative (they need not add up to anything); the header repeats on every page. */
  | { kind: 'table'; header: string[]; rows: Inline[][][]; widths?: number[] }
  /**
   * Items numbered 1., 2., … (or bulleted). A document's lists carry their own `markers` ("3.", "•", or ""
   * for an item's further paragraph) and `depths` (0 is top level), item by item.
   */
  | { kind: 'list'; ordered: boolean; items: Inline[][]; markers?: string[]; depths?: number[] }
  /** A remark for the record in smaller, muted type ("hidden by the facilitator", "nobody yet"). */
  | { kind: 'note'; text: string }
  /** Lines to sign on: one per role, with the name typed on the desk when there is one. */
  | { kind: 'signatures'; rows: { role: string; name: string }[]; dateLabel: string }
  /**
   * A diagram drawn as a picture [D36]: the plain diagram (`diagramOf`), which kind of diagram it is, and
   * a caption (the picture's title and alternative text). Its labels are the user's text: every renderer
   * draws them as text, never as markup [D37]. A text list of what it holds follows it as other blocks.
   */
  | { kind: 'diagram'; diagram: Diagram; diagramKind: DiagramKind; caption: string }
  /** Where and how a printed copy is checked: the entry it was made at, its hash and the verify address. */
  | { kind: 'verify'; label: string; seq: number; hash: string; url: string; text: string };

export interface RecordDocument {
  /** The document's kind, for file names: `minutes`, a document's named `version`, later `proceedings`, `review`. */
  kind: 'minutes' | 'version';
  language: Language;
  title: string;
  /** Page footer text (the meeting's title and the verify reference), repeated on every page where the format has pages. */
  footer: string;
  blocks: Block[];
}

/** What every section is given when it writes its blocks. */
export interface RecordContext {
  language: Language;
  /** IANA zone the meeting's times are written in (the facilitator's, chosen when the meeting was created). */
  timeZone: string;
  /** The full state at the entry the document is made at. */
  state: MeetingState;
  /** The catalogue's word in the meeting's language. */
  t(zh: string, en: string): string;
  /** A time in the meeting's locale and zone: `2026年12月1日 14:05`, `1 Dec 2026, 14:05`, or only the time or date. */
  time(at: number, style?: 'datetime' | 'time' | 'date'): string;
  /** The current content of one of the meeting's documents, when the export read it (the minutes drafts [D27]); else null. */
  outline(docId: string): Outline | null;
}

/**
 * A feature's section of a record. The section folds the log itself (the history it needs — when
 * people joined, when phases started, what a title was before — is in the log, not in the state), with
 * an accumulator that lives only for one build, so `step` may mutate it. Each step is O(1) or O(log n).
 */
export interface RecordSection<A = unknown> {
  id: string;
  init(): A;
  step(acc: A, entry: LogEntry): void;
  blocks(acc: A, ctx: RecordContext): Block[];
}

/** Erases a section's accumulator type so sections of different features sit in one list. */
export const section = <A>(s: RecordSection<A>): RecordSection => s as unknown as RecordSection;
