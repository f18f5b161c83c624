import { buildMinutes, recordContext, type LogEntry, type MeetingState, type Outline, type RecordDocument } from '@yishi/domain';
import { render, renderPoster, renderSignInSheets } from '@yishi/export';

/**
 * The seam between the export routes and what renders: `packages/export` (Markdown, DOCX, PDF) and the
 * domain's `buildMinutes` (and, for a named version, `buildVersionDocument`, built by the route). The routes know only this interface; the server takes an implementation as
 * an option (tests may pass their own) and uses `defaultRenderers()` otherwise.
 */

export type MinutesFormat = 'md' | 'docx' | 'pdf';

/** A rendered file, whole: the routes send nothing before they have it. */
export interface Rendered {
  bytes: Uint8Array;
  contentType: string;
  extension: string;
}

export interface ExportRenderers {
  /**
   * The minutes at the last of `entries` (the whole log, from seq 1), with the verify address printed and
   * the minutes drafts' current text (by document id) [D27].
   */
  minutes(entries: readonly LogEntry[], format: MinutesFormat, opts: { verifyUrl: string; drafts?: ReadonlyMap<string, Outline> }): Promise<Rendered>;
  /**
   * A record document built elsewhere (a named version [D26]). `fileBase` is the download's name without
   * its extension: the Markdown of a diagram is a zip of `<fileBase>.md` and its SVG pictures [D36].
   */
  document(doc: RecordDocument, format: MinutesFormat, opts?: { fileBase?: string }): Promise<Rendered>;
  /** The QR poster for the door: title, join code, address and a large QR of `joinUrl`. */
  poster(state: MeetingState, opts: { joinUrl: string }): Promise<Rendered>;
  /** One sign-in sheet per stakeholder group, for people without a phone. */
  signin(state: MeetingState): Promise<Rendered>;
}

/** Empty rows per stakeholder group on the sign-in sheets: two pages' worth. */
const SIGN_IN_ROWS = 40;

/** The domain builds the document (each feature its section), `packages/export` renders it. */
export function defaultRenderers(): ExportRenderers {
  return {
    async minutes(entries, format, { verifyUrl, drafts }) {
      if (entries.length === 0) throw new Error('minutes need a meeting log');
      return render(buildMinutes(entries, { verifyUrl, ...(drafts ? { drafts } : {}) }), format);
    },
    async document(doc, format, opts) {
      return render(doc, format, opts?.fileBase !== undefined ? { fileBase: opts.fileBase } : {});
    },
    async poster(state, { joinUrl }) {
      const bytes = await renderPoster({ title: state.title, joinCode: state.joinCode, joinUrl, language: state.language });
      return { bytes, contentType: 'application/pdf', extension: 'pdf' };
    },
    async signin(state) {
      const date = recordContext(state).time(state.createdAt, 'date');
      const bytes = await renderSignInSheets({ title: state.title, date, groups: state.groups, rows: SIGN_IN_ROWS, language: state.language });
      return { bytes, contentType: 'application/pdf', extension: 'pdf' };
    }
  };
}
