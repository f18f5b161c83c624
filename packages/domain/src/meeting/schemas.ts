import { z } from 'zod';
import { GroupNameSchema, GroupsSchema, IdSchema, LanguageSchema, MeetingTitleSchema, NameSchema, PhaseSchema, TemplateIdSchema } from '@yishi/protocol';
import { cmd, ev, serverCmd } from '../feature.ts';

/** Someone as a view that did not name them yet receives them: a topic's convener (see `topic.posted`). */
export const PersonSchema = z.strictObject({ name: z.string(), group: z.string() });

export const meetingCommandSchemas = [
  cmd('participant.rename', { participantId: IdSchema, name: NameSchema }),
  cmd('participant.remove', { participantId: IdSchema }),
  cmd('joining.close', {}),
  cmd('joining.open', {}),
  cmd('meeting.end', {})
] as const;

/** Issued by the server from HTTP requests (`POST /api/meetings`, `POST /api/join`), never over a socket. */
export const meetingServerCommandSchemas = [
  serverCmd('meeting.create', {
    meetingId: IdSchema,
    joinCode: z.string(),
    title: MeetingTitleSchema,
    groups: GroupsSchema,
    language: LanguageSchema,
    templateId: TemplateIdSchema
  }),
  serverCmd('participant.join', { participantId: IdSchema, name: NameSchema, group: GroupNameSchema })
] as const;
export type MeetingLifeCommand = z.infer<(typeof meetingCommandSchemas)[number] | (typeof meetingServerCommandSchemas)[number]>;

export const meetingEventSchemas = [
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
  /**
   * Never in the log: how a join or a removal reaches a view that does not hold that person (the board,
   * other phones): the group's new head count, without the name.
   */
  ev('attendance.counted', { group: z.string(), present: z.number().int().nonnegative() }),
  ev('participant.renamed', { participantId: IdSchema, name: z.string() }),
  ev('participant.removed', { participantId: IdSchema }),
  ev('joining.closed', {}),
  ev('joining.opened', {}),
  ev('meeting.ended', {})
] as const;
export type MeetingLifeEvent = z.infer<(typeof meetingEventSchemas)[number]>;

export type MeetingLifeCmd<T extends MeetingLifeCommand['type']> = Extract<MeetingLifeCommand, { type: T }>;
export type MeetingLifeEv<T extends MeetingLifeEvent['type']> = Extract<MeetingLifeEvent, { type: T }>;
