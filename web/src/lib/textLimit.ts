import { DOCUMENT_LIMITS, RECORD_LIMITS } from '@yishi/domain';
import { codePointLength, LIMITS, normalizeText } from '@yishi/protocol';

/**
 * The user text fields the server limits; `LIMITS` in @yishi/protocol (and, for the record's own fields,
 * `RECORD_LIMITS` and `DOCUMENT_LIMITS` in @yishi/domain) is the one source of the numbers.
 */
export type TextLimit = 'meetingTitle' | 'topicTitle' | 'topicDescription' | 'name' | 'groupName' | 'place' | 'notes' | 'documentTitle' | 'versionName' | 'phaseTitle';

export function limitOf(limit: TextLimit): number {
  if (limit === 'documentTitle') return DOCUMENT_LIMITS.title;
  if (limit === 'versionName') return DOCUMENT_LIMITS.versionName;
  return limit === 'place' || limit === 'notes' ? RECORD_LIMITS[limit] : LIMITS[limit];
}

/**
 * A text's length as the server counts it: code points after NFC and trimming. A `maxlength` counts
 * UTF-16 units instead, so it would stop a title of rare characters (𠀀 is two units) at half its length.
 */
export function textLength(value: string): number {
  return codePointLength(normalizeText(value));
}

/** Where a counter starts to show: near the limit, where it helps, and not as noise before. */
export function counterFrom(max: number): number {
  return max - Math.max(5, Math.min(20, Math.floor(max / 5)));
}

/**
 * `value` cut to `max` as `maxlength` would: code points go from just before `caret` (where typing or a
 * paste just put them), then from the end if that is not enough. Returns the text and the new caret.
 */
export function fitText(value: string, caret: number, max: number): { value: string; caret: number } {
  const before = [...value.slice(0, caret)];
  const after = [...value.slice(caret)];
  const excess = () => textLength(before.join('') + after.join('')) - max;
  for (let over = excess(); over > 0 && before.length > 0; over = excess()) before.length -= Math.min(over, before.length);
  for (let over = excess(); over > 0; over = excess()) after.length -= Math.min(over, after.length);
  const head = before.join('');
  return { value: head + after.join(''), caret: head.length };
}
