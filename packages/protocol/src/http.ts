import { z } from 'zod';
import { GroupNameSchema, GroupsSchema, IdSchema, LanguageSchema, MeetingTitleSchema, NameSchema, RoleSchema, TemplateIdSchema } from './model.ts';
import { JoinCodeSchema, LIMITS, text } from './text.ts';

/** The zone meetings were in before they had one (and the server's default when a browser sends none). */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** An IANA time zone this runtime knows (`Asia/Shanghai`, `Europe/Berlin`): the one the record's times are written in. */
export const TimeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a time zone' }
  );

/** `POST /api/meetings`: what a facilitator fills in on the landing page. */
export const CreateMeetingRequestSchema = z.strictObject({
  title: MeetingTitleSchema,
  groups: GroupsSchema.optional(),
  language: LanguageSchema.default('zh-CN'),
  templateId: TemplateIdSchema.default('open-space'),
  /** The facilitator's browser's zone; the record's dates and times are written in it. */
  timeZone: TimeZoneSchema.optional()
});
export type CreateMeetingRequest = z.infer<typeof CreateMeetingRequestSchema>;
export interface CreateMeetingResponse {
  meetingId: string;
  joinCode: string;
  facilitatorToken: string;
  /** Shown once; lets the facilitator back in from another device. */
  recoveryCode: string;
}

/**
 * An unguessable key the phone makes before its first join attempt and keeps (across a reload) until it
 * has joined: a retried join with the same key gets the same participant back, never a second one.
 */
export const JoinKeySchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { message: 'not a join key' });
export const JoinRequestSchema = z.strictObject({ joinCode: JoinCodeSchema, name: NameSchema, group: GroupNameSchema, joinKey: JoinKeySchema.optional() });
/** `GET /api/join/<code>`: what the join page shows before anyone types a name. */
export interface JoinInfoResponse {
  meetingId: string;
  title: string;
  groups: string[];
  language: 'zh-CN' | 'en';
  joiningOpen: boolean;
  ended: boolean;
}

export interface JoinResponse {
  meetingId: string;
  participantId: string;
  token: string;
}

export const RecoverRequestSchema = z.strictObject({
  joinCode: JoinCodeSchema,
  recoveryCode: z.string().max(64)
});
export interface RecoverResponse {
  meetingId: string;
  facilitatorToken: string;
}

export const CreateLinkRequestSchema = z.strictObject({
  role: z.enum(['secretary', 'board']),
  label: text({ max: LIMITS.linkLabel, min: 0 }).default('')
});
export interface LinkView {
  linkId: string;
  role: z.infer<typeof RoleSchema>;
  label: string;
  createdAt: number;
  revokedAt: number | null;
}
export interface CreateLinkResponse extends LinkView {
  /** The page to open; the token rides in the fragment so it never reaches a server log. */
  url: string;
  token: string;
}

export const LinkIdSchema = IdSchema;

export interface HealthResponse {
  ok: true;
  store: 'sqlite' | 'redis';
  protocol: number;
  node: string;
}
