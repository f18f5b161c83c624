import { z } from 'zod';
import { GroupNameSchema, GroupsSchema, IdSchema, LanguageSchema, MeetingTitleSchema, NameSchema, PhaseSchema, TemplateIdSchema, TimeZoneSchema } from '@yishi/protocol';
import { cmd, ev, serverCmd } from '../feature.ts';

/** The most people one paper declaration counts (a sign-in sheet's tally for a group). */
export const PAPER_COUNT_MAX = 500;

/** Someone as a view that did not name them yet receives them: a topic's convener (see `topic.posted`). */
export const PersonSchema = z.strictObject({ name: z.string(), group: z.string() });

export const meetingCommandSchemas = [
  cmd('participant.rename', { participantId: IdSchema, name: NameSchema }),
  cmd('participant.remove', { participantId: IdSchema }),
  cmd('joining.close', {}),
  cmd('joining.open', {}),
  cmd('meeting.end', {}),
  /**
   * Staff declare people without a phone: by name (one person) or as a count of unnamed people of one
   * stakeholder group; exactly one of the two.
   */
  cmd('paper.add', {
    group: GroupNameSchema,
    name: NameSchema.optional(),
    count: z.number().int().min(1).max(PAPER_COUNT_MAX).optional()
  }).refine((c) => (c.name === undefined) !== (c.count === undefined), { message: 'a name or a count, not both', path: ['name'] }),
  cmd('paper.remove', { paperId: IdSchema })
] as const;

/** Issued by the server from HTTP requests (`POST /api/meetings`, `POST /api/join`), never over a socket. */
export const meetingServerCommandSchemas = [
  serverCmd('meeting.create', {
    meetingId: IdSchema,
    joinCode: z.string(),
    title: MeetingTitleSchema,
    groups: GroupsSchema,
    language: LanguageSchema,
    templateId: TemplateIdSchema,
    /** The zone the record's times are written in; absent: `DEFAULT_TIME_ZONE`. */
    timeZone: TimeZoneSchema.optional()
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
    phases: z.array(PhaseSchema),
    /** Absent in logs written before meetings had a zone: those were all `DEFAULT_TIME_ZONE`. */
    timeZone: z.string().optional()
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
  ev('meeting.ended', {}),
  /** `count` is 1 for a named person. */
  ev('paper.added', { paperId: IdSchema, group: z.string(), name: z.string().nullable(), count: z.number().int().positive() }),
  ev('paper.removed', { paperId: IdSchema }),
  /**
   * Never in the log: how a paper declaration or its removal reaches a public view, which holds no paper
   * names: the group's new paper head count.
   */
  ev('paper.counted', { group: z.string(), count: z.number().int().nonnegative() })
] as const;
export type MeetingLifeEvent = z.infer<(typeof meetingEventSchemas)[number]>;

export type MeetingLifeCmd<T extends MeetingLifeCommand['type']> = Extract<MeetingLifeCommand, { type: T }>;
export type MeetingLifeEv<T extends MeetingLifeEvent['type']> = Extract<MeetingLifeEvent, { type: T }>;
