import { z } from 'zod';

/**
 * Text limits are stated in Unicode code points, counted after NFC normalisation and trimming,
 * so that a Chinese title of 120 characters is 120 whatever the encoding.
 */
export const LIMITS = {
  meetingTitle: 120,
  topicTitle: 120,
  topicDescription: 2000,
  name: 40,
  groupName: 20,
  groupsMax: 12,
  mergeSourcesMax: 20,
  commandId: 64,
  linkLabel: 40,
  phaseTitle: 40,
  /** Socket.IO frames and Yjs messages above this close the connection. */
  maxFrameBytes: 64 * 1024
} as const;

export function normalizeText(s: string): string {
  return s.replace(/\r\n?/g, '\n').normalize('NFC').trim();
}

export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// C0 and C1 control characters and DEL; \n is allowed only in multi-line fields. Bidirectional
// overrides are refused too: they make a name display as something it is not.
const CONTROL_SINGLE_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const CONTROL_MULTI_LINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

export interface TextOptions {
  max: number;
  min?: number;
  multiline?: boolean;
}

/** A user text field: normalised, then checked for length in code points and for control characters. */
export function text({ max, min = 1, multiline = false }: TextOptions) {
  // The raw cap stops a huge string before normalisation work is done on it.
  return z
    .string()
    .max(max * 4 + 64)
    .overwrite(normalizeText)
    .refine((s) => !(multiline ? CONTROL_MULTI_LINE : CONTROL_SINGLE_LINE).test(s), {
      message: 'contains control characters'
    })
    .refine((s) => codePointLength(s) >= min, { message: min === 1 ? 'must not be empty' : `at least ${min} characters` })
    .refine((s) => codePointLength(s) <= max, { message: `at most ${max} characters` });
}

/** Join codes: six digits; full-width digits and spaces typed on a Chinese keyboard are accepted. */
export function normalizeJoinCode(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[\s\-]/g, '');
}

export const JoinCodeSchema = z
  .string()
  .max(64)
  .overwrite(normalizeJoinCode)
  .regex(/^\d{6}$/, { message: 'a join code is six digits' });
