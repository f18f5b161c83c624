import { evolve, RECORD_SECTIONS, type LogEntry } from '../registry.ts';
import type { MeetingState } from '../state.ts';
import type { Block, RecordDocument } from './model.ts';
import { recordContext } from './context.ts';
import type { Outline } from '../documents/outline.ts';
import { headerFields, signatures } from './section.ts';

/*
 * The minutes (会议纪要) of a meeting at a log entry: one pass over the log folds each entry into the full
 * state and into every feature's section (the history a section needs is in the log, not the state),
 * then the document is composed: title, head, the sections in the registry's order, signatures, and the
 * entry it was made at with its hash and the verify address, so a printed copy can be checked. Pure and
 * linear in the log; `packages/export` renders the result to Markdown, DOCX and PDF.
 */

export interface MinutesOptions {
  /** The meeting's verify page, printed with the entry number and hash. */
  verifyUrl: string;
  /**
   * The current content of the meeting's minutes drafts, by document id, read by the server when the
   * minutes are made (from the live document or the store) [D27]. A draft not given prints nothing.
   */
  drafts?: ReadonlyMap<string, Outline>;
}

/** Throws on an empty log or one that is not a meeting's (see `evolve`): a caller's bug, not user input. */
export function buildMinutes(entries: readonly LogEntry[], opts: MinutesOptions): RecordDocument {
  const accs = RECORD_SECTIONS.map((s) => s.init());
  let state: MeetingState | null = null;
  for (const entry of entries) {
    state = evolve(state, entry);
    for (let i = 0; i < RECORD_SECTIONS.length; i++) RECORD_SECTIONS[i]!.step(accs[i], entry);
  }
  const last = entries.at(-1);
  if (state === null || last === undefined) throw new Error('minutes need a meeting log');
  const ctx = recordContext(state, opts.drafts);
  const { t } = ctx;
  const title = t(`会议纪要：${state.title}`, `Minutes: ${state.title}`);
  const verify: Block = {
    kind: 'verify',
    label: t('核验', 'Verification'),
    seq: last.seq,
    hash: last.hash,
    url: opts.verifyUrl,
    text: t(
      `本纪要依据会议记录第 ${last.seq} 条（${ctx.time(last.at, 'datetime')}）生成。核验打印件：打开核验页面，输入条目编号 ${last.seq} 和下面的哈希值；页面会确认这一条在会议记录中且内容未被改动。`,
      `These minutes were made at entry ${last.seq} of the meeting's record (${ctx.time(last.at, 'datetime')}). To check a printed copy, open the verify page and type in entry number ${last.seq} and the hash below; the page confirms that this entry is in the record, unaltered.`
    )
  };
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: title },
    headerFields(ctx),
    ...RECORD_SECTIONS.flatMap((s, i) => s.blocks(accs[i], ctx)),
    { kind: 'heading', level: 2, text: t('签字', 'Signatures') },
    signatures(ctx),
    verify
  ];
  const footer = t(`${state.title} · 会议纪要 · 第 ${last.seq} 条 · ${last.hash.slice(0, 12)}`, `${state.title} · Minutes · entry ${last.seq} · ${last.hash.slice(0, 12)}`);
  return { kind: 'minutes', language: state.language, title, footer, blocks };
}

export { recordContext } from './context.ts';
