import type { Language } from '@yishi/protocol';
import type { MeetingState } from '../state.ts';
import type { Outline } from '../documents/outline.ts';
import type { RecordContext } from './model.ts';

const LOCALES: Record<Language, string> = { 'zh-CN': 'zh-CN', en: 'en-GB' };

/** What every section is given: the meeting's language and zone, its full state, words and times. */
export function recordContext(state: MeetingState, outlines: ReadonlyMap<string, Outline> = new Map()): RecordContext {
  const { language, timeZone } = state;
  const locale = LOCALES[language];
  const base = { timeZone, hourCycle: 'h23' } as const;
  const formats = {
    datetime: new Intl.DateTimeFormat(locale, { ...base, year: 'numeric', month: language === 'en' ? 'short' : 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
    date: new Intl.DateTimeFormat(locale, { ...base, year: 'numeric', month: language === 'en' ? 'short' : 'long', day: 'numeric' }),
    time: new Intl.DateTimeFormat(locale, { ...base, hour: '2-digit', minute: '2-digit' })
  };
  return {
    language,
    timeZone,
    state,
    t: (zh, en) => (language === 'en' ? en : zh),
    time: (at, style = 'datetime') => formats[style].format(at),
    outline: (docId) => outlines.get(docId) ?? null
  };
}
