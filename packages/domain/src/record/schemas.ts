import { z } from 'zod';
import { LIMITS, text } from '@yishi/protocol';
import { cmd, ev } from '../feature.ts';

/** The record's own text fields, in code points as `LIMITS` counts (the desk's fields read them too). */
export const RECORD_LIMITS = {
  place: 120,
  /** The secretary's notes until the documents issue makes them a co-edited draft. */
  notes: 20_000
} as const;

/** Empty is allowed: the desk clears a field by saving it empty. */
const PlaceSchema = text({ max: RECORD_LIMITS.place, min: 0 });
const StaffNameSchema = text({ max: LIMITS.name, min: 0 });
const NotesSchema = text({ max: RECORD_LIMITS.notes, min: 0, multiline: true });

export const recordCommandSchemas = [
  /** Where the meeting is held and who facilitated and kept the record, for the minutes' head and signatures. */
  cmd('record.details.set', { place: PlaceSchema, facilitatorName: StaffNameSchema, secretaryName: StaffNameSchema }),
  /** The secretary's notes for the minutes; one command replaces the whole text. */
  cmd('record.notes.set', { notes: NotesSchema }),
  /** Whether participants may download the minutes. */
  cmd('minutes.publish', {}),
  cmd('minutes.unpublish', {})
] as const;
export type RecordCommand = z.infer<(typeof recordCommandSchemas)[number]>;

export const recordEventSchemas = [
  ev('record.details.changed', { place: z.string(), facilitatorName: z.string(), secretaryName: z.string() }),
  ev('record.notes.changed', { notes: z.string() }),
  ev('minutes.published', {}),
  ev('minutes.unpublished', {})
] as const;
export type RecordEvent = z.infer<(typeof recordEventSchemas)[number]>;

export type RecordCmd<T extends RecordCommand['type']> = Extract<RecordCommand, { type: T }>;
export type RecordEv<T extends RecordEvent['type']> = Extract<RecordEvent, { type: T }>;
