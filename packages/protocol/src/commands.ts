import { z } from 'zod';
import { LIMITS } from './text.ts';
import {
  CommandIdSchema,
  GroupNameSchema,
  GroupsSchema,
  IdSchema,
  LanguageSchema,
  MeetingTitleSchema,
  NameSchema,
  TemplateIdSchema,
  TopicDescriptionSchema,
  TopicTitleSchema
} from './model.ts';

const cmd = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), commandId: CommandIdSchema, ...shape });

/** Commands a connected client may send over Socket.IO with `emit('cmd', command, ack)`. */
export const ClientCommandSchema = z.discriminatedUnion('type', [
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
  cmd('participant.rename', { participantId: IdSchema, name: NameSchema }),
  cmd('participant.remove', { participantId: IdSchema }),
  /** `fromPhaseId` makes a double click or a stale console move one phase, not two. */
  cmd('phase.advance', { fromPhaseId: IdSchema }),
  cmd('phase.back', { fromPhaseId: IdSchema }),
  cmd('joining.close', {}),
  cmd('joining.open', {}),
  cmd('meeting.end', {}),
  /** The facilitator puts one topic on the board in full (its title is cut on the wall), or takes it down (null). */
  cmd('board.spotlight', { topicId: IdSchema.nullable() })
]);
export type ClientCommand = z.infer<typeof ClientCommandSchema>;
export type ClientCommandType = ClientCommand['type'];

/** Commands the server issues itself from HTTP requests (never accepted over a socket). */
export const CreateMeetingInputSchema = z.strictObject({
  title: MeetingTitleSchema,
  groups: GroupsSchema.optional(),
  language: LanguageSchema.default('zh-CN'),
  templateId: TemplateIdSchema.default('open-space')
});
export type CreateMeetingInput = z.infer<typeof CreateMeetingInputSchema>;

export const ServerCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('meeting.create'),
    meetingId: IdSchema,
    joinCode: z.string(),
    title: MeetingTitleSchema,
    groups: GroupsSchema,
    language: LanguageSchema,
    templateId: TemplateIdSchema
  }),
  z.strictObject({ type: z.literal('participant.join'), participantId: IdSchema, name: NameSchema, group: GroupNameSchema })
]);
export type ServerCommand = z.infer<typeof ServerCommandSchema>;

export type Command = ClientCommand | ServerCommand;
