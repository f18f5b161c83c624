import type { LogEntry, MeetingState } from '@yishi/domain';

/**
 * The seam between the export routes and what renders: `packages/export` (Markdown, DOCX, PDF) and the
 * domain's `buildMinutes`. The routes know only this interface; the server takes an implementation as
 * an option (tests may pass their own) and uses `defaultRenderers()` otherwise.
 *
 * MERGE NOTE (issue 9): `defaultRenderers` below is a stand-in written before `packages/export` and
 * `buildMinutes` were on main. Wire the real ones here, and only here:
 *
 *   import { buildMinutes } from '@yishi/domain';
 *   import { render, renderPoster, renderSignInSheets } from '@yishi/export';
 *   minutes: async (entries, format, { verifyUrl }) => render(buildMinutes(entries, { verifyUrl }), format),
 *   poster:  async (state, { joinUrl }) => renderPoster(...),
 *   signin:  async (state) => renderSignInSheets(...),
 *
 * (and add "@yishi/export": "workspace:*" to realtime-server/package.json).
 */

export type MinutesFormat = 'md' | 'docx' | 'pdf';

/** A rendered file, whole: the routes send nothing before they have it. */
export interface Rendered {
  bytes: Uint8Array;
  contentType: string;
  extension: string;
}

export interface ExportRenderers {
  /** The minutes at the last of `entries` (the whole log, from seq 1), with the verify address printed. */
  minutes(entries: readonly LogEntry[], format: MinutesFormat, opts: { verifyUrl: string }): Promise<Rendered>;
  /** The QR poster for the door: title, join code, address and a large QR of `joinUrl`. */
  poster(state: MeetingState, opts: { joinUrl: string }): Promise<Rendered>;
  /** One sign-in sheet per stakeholder group, for people without a phone. */
  signin(state: MeetingState): Promise<Rendered>;
}

const CONTENT_TYPES: Record<MinutesFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pdf: 'application/pdf'
};

/** Stand-in until the merge (see the note above): the right types and file signatures, the verify reference, nothing else. */
export function defaultRenderers(): ExportRenderers {
  const file = (format: MinutesFormat, text: string): Rendered => {
    const signature = format === 'pdf' ? '%PDF-1.7\n' : format === 'docx' ? 'PK\u0003\u0004' : '';
    return { bytes: new TextEncoder().encode(signature + text), contentType: CONTENT_TYPES[format], extension: format };
  };
  return {
    async minutes(entries, format, { verifyUrl }) {
      const last = entries.at(-1);
      if (!last) throw new Error('minutes need a meeting log');
      const created = entries[0]!.event as { title?: string };
      return file(format, `# ${created.title ?? ''}\n\n${last.seq}\n\n${last.hash}\n\n${verifyUrl}\n`);
    },
    async poster(state, { joinUrl }) {
      return file('pdf', `${state.title}\n${joinUrl}\n`);
    },
    async signin(state) {
      return file('pdf', `${state.title}\n${state.groups.join('\n')}\n`);
    }
  };
}
