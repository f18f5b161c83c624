import { z } from 'zod';
import { ActorSchema, ConvenerSchema, IdSchema, LanguageSchema, PhaseSchema, TemplateIdSchema } from './model.ts';

const ev = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.strictObject({ type: z.literal(type), ...shape });

/** A topic as an audience that did not hold it before needs it (see `topic.unhidden`). */
export const TopicViewSchema = z.strictObject({
  id: IdSchema,
  title: z.string(),
  description: z.string(),
  convener: ConvenerSchema,
  enteredBy: ActorSchema.nullable(),
  postedAt: z.number(),
  order: z.number().int()
});
export type TopicView = z.infer<typeof TopicViewSchema>;

/** Domain events: what happened. The log holds these; clients fold them with the domain's `evolve`. */
export const MeetingEventSchema = z.discriminatedUnion('type', [
  ev('meeting.created', {
    meetingId: IdSchema,
    joinCode: z.string(),
    title: z.string(),
    templateId: TemplateIdSchema,
    language: LanguageSchema,
    groups: z.array(z.string()),
    phases: z.array(PhaseSchema)
  }),
  ev('participant.joined', { participantId: IdSchema, name: z.string(), group: z.string() }),
  ev('participant.renamed', { participantId: IdSchema, name: z.string() }),
  ev('participant.removed', { participantId: IdSchema }),
  ev('topic.posted', {
    topicId: IdSchema,
    title: z.string(),
    description: z.string(),
    convener: ConvenerSchema,
    /** Set when the facilitator or secretary entered the topic on someone's behalf. */
    enteredBy: ActorSchema.nullable()
  }),
  ev('topic.edited', { topicId: IdSchema, title: z.string(), description: z.string() }),
  ev('topic.withdrawn', { topicId: IdSchema }),
  ev('topic.hidden', { topicId: IdSchema }),
  /** `topic` is filled in by the projection for audiences from whom the hidden topic was redacted. */
  ev('topic.unhidden', { topicId: IdSchema, topic: TopicViewSchema.optional() }),
  ev('topic.merged', { mergeId: IdSchema, targetId: IdSchema, sourceIds: z.array(IdSchema) }),
  ev('topic.unmerged', { mergeId: IdSchema }),
  ev('phase.changed', { fromPhaseId: IdSchema, toPhaseId: IdSchema }),
  ev('joining.closed', {}),
  ev('joining.opened', {}),
  ev('meeting.ended', {}),
  /** The topic the board shows in full, or null when it was taken down. */
  ev('board.spotlit', { topicId: IdSchema.nullable() })
]);
export type MeetingEvent = z.infer<typeof MeetingEventSchema>;
export type MeetingEventType = MeetingEvent['type'];

/** What a command produces before the store gives it a place in the log. */
export interface NewEntry {
  at: number;
  actor: z.infer<typeof ActorSchema>;
  commandId: string | null;
  event: MeetingEvent;
}

/** One entry of a meeting's append-only, hash-chained log. */
export const LogEntrySchema = z.strictObject({
  seq: z.number().int().positive(),
  at: z.number(),
  actor: ActorSchema,
  commandId: z.string().nullable(),
  event: MeetingEventSchema,
  prevHash: z.string(),
  hash: z.string()
});
export type LogEntry = z.infer<typeof LogEntrySchema>;
