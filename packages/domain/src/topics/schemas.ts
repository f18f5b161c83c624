import { z } from 'zod';
import { ActorSchema, ConvenerSchema, GroupNameSchema, IdSchema, LIMITS, NameSchema, TopicDescriptionSchema, TopicTitleSchema } from '@yishi/protocol';
import { cmd, ev } from '../feature.ts';
import { PersonSchema } from '../meeting/schemas.ts';

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

export const topicCommandSchemas = [
  cmd('topic.post', { title: TopicTitleSchema, description: TopicDescriptionSchema.default('') }),
  cmd('topic.edit', { topicId: IdSchema, title: TopicTitleSchema, description: TopicDescriptionSchema.default('') }),
  cmd('topic.withdraw', { topicId: IdSchema }),
  /** Facilitator or secretary enters a topic for someone without a phone. */
  cmd('topic.postFor', {
    title: TopicTitleSchema,
    description: TopicDescriptionSchema.default(''),
    convenerName: NameSchema,
    convenerGroup: GroupNameSchema.nullable().default(null)
  }),
  cmd('topic.hide', { topicId: IdSchema }),
  cmd('topic.unhide', { topicId: IdSchema }),
  cmd('topic.merge', {
    targetId: IdSchema,
    sourceIds: z
      .array(IdSchema)
      .min(1)
      .max(LIMITS.mergeSourcesMax)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'duplicate topic ids' })
  }),
  cmd('topic.unmerge', { mergeId: IdSchema }),
  /** The facilitator puts one topic on the board in full (its title is cut on the wall), or takes it down (null). */
  cmd('board.spotlight', { topicId: IdSchema.nullable() })
] as const;
export type TopicCommand = z.infer<(typeof topicCommandSchemas)[number]>;

export const topicEventSchemas = [
  ev('topic.posted', {
    topicId: IdSchema,
    title: z.string(),
    description: z.string(),
    convener: ConvenerSchema,
    /** Set when the facilitator or secretary entered the topic on someone's behalf. */
    enteredBy: ActorSchema.nullable(),
    /** Filled in by the projection for a view that does not name the convener yet (name, group); never in the log. */
    person: PersonSchema.optional()
  }),
  ev('topic.edited', { topicId: IdSchema, title: z.string(), description: z.string() }),
  ev('topic.withdrawn', { topicId: IdSchema }),
  ev('topic.hidden', { topicId: IdSchema }),
  /** `topic` is filled in by the projection for audiences from whom the hidden topic was redacted. */
  ev('topic.unhidden', { topicId: IdSchema, topic: TopicViewSchema.optional(), person: PersonSchema.optional() }),
  ev('topic.merged', { mergeId: IdSchema, targetId: IdSchema, sourceIds: z.array(IdSchema) }),
  ev('topic.unmerged', { mergeId: IdSchema }),
  /** The topic the board shows in full, or null when it was taken down. */
  ev('board.spotlit', { topicId: IdSchema.nullable() })
] as const;
export type TopicEvent = z.infer<(typeof topicEventSchemas)[number]>;

export type TopicCmd<T extends TopicCommand['type']> = Extract<TopicCommand, { type: T }>;
export type TopicEv<T extends TopicEvent['type']> = Extract<TopicEvent, { type: T }>;
