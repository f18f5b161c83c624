import { z } from 'zod';
import { LIMITS, text } from './text.ts';

/** Server-made identifiers: url-safe, short enough to log, long enough not to be guessed. */
export const IdSchema = z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, { message: 'not an id' });
export type Id = z.infer<typeof IdSchema>;

/** Client-made command id used for idempotent retries. */
export const CommandIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{8,64}$/, { message: 'not a command id' });

export const ROLES = ['facilitator', 'secretary', 'participant', 'board'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** Who did something. Comes from the token on the server, never from what a client claims. */
export const ActorSchema = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('facilitator') }),
  z.strictObject({ role: z.literal('secretary') }),
  z.strictObject({ role: z.literal('participant'), participantId: IdSchema }),
  z.strictObject({ role: z.literal('board') }),
  /** The server itself, for events not caused by a connected person (e.g. a join over HTTP before a token exists). */
  z.strictObject({ role: z.literal('system') })
]);
export type Actor = z.infer<typeof ActorSchema>;

export const LANGUAGES = ['zh-CN', 'en'] as const;
export const LanguageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof LanguageSchema>;

export const TEMPLATE_IDS = ['open-space'] as const;
export const TemplateIdSchema = z.enum(TEMPLATE_IDS);
export type TemplateId = z.infer<typeof TemplateIdSchema>;

export const PHASE_KINDS = ['opening', 'marketplace', 'agenda', 'breakouts', 'harvest', 'convergence', 'closing'] as const;
export const PhaseKindSchema = z.enum(PHASE_KINDS);
export type PhaseKind = z.infer<typeof PhaseKindSchema>;

/** A phase's timebox is at most eight hours: a longer one is a typo, not a plan [D38]. */
export const TIMEBOX_MAX_MINUTES = 480;

export const PhaseSchema = z.strictObject({
  id: IdSchema,
  kind: PhaseKindSchema,
  /** A facilitator's own title; null means the UI shows the catalogue name of the kind. */
  title: z.string().nullable(),
  timeboxMinutes: z.number().int().positive().max(TIMEBOX_MAX_MINUTES).nullable(),
  allows: z.strictObject({ topics: z.boolean() })
});
export type Phase = z.infer<typeof PhaseSchema>;

/** Default stakeholder groups (data, editable at creation; UI labels come from the catalogue). */
export const DEFAULT_GROUPS = ['居民', '商户', '居委会', '街道', '社会组织', '专家', '其他'] as const;

export const GroupNameSchema = text({ max: LIMITS.groupName });
export const NameSchema = text({ max: LIMITS.name });
export const MeetingTitleSchema = text({ max: LIMITS.meetingTitle });
export const TopicTitleSchema = text({ max: LIMITS.topicTitle });
export const TopicDescriptionSchema = text({ max: LIMITS.topicDescription, min: 0, multiline: true });

export const GroupsSchema = z
  .array(GroupNameSchema)
  .min(1)
  .max(LIMITS.groupsMax)
  .refine((gs) => new Set(gs).size === gs.length, { message: 'group names must be unique' });

/** Who convenes a topic: a joined participant, or a name entered by the facilitator or secretary. */
export const ConvenerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('participant'), participantId: IdSchema }),
  z.strictObject({ kind: z.literal('named'), name: z.string(), group: z.string().nullable() })
]);
export type Convener = z.infer<typeof ConvenerSchema>;
