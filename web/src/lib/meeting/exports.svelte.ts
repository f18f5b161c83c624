import type { RecordDocument } from '@yishi/domain';
import type { ExportLinkResponse, ExportWhat } from '@yishi/protocol';
import { ApiError, getJson, postJson, type ShownError } from '$lib/api';

/**
 * The exports as a page uses them: a download (a short-lived link asked for with the bearer, then
 * opened: a browser download cannot send a bearer header, and the bearer never goes into a URL), and
 * the minutes' live preview.
 */

/** One download a page offers: which export, its label, and the name a test finds it by. */
export interface ExportChoice {
  what: ExportWhat;
  format: string;
  label: string;
  testid: string;
  primary?: boolean;
  /** A named version's document and version (`what` = version) [D26]. */
  version?: { docId: string; versionId: string };
}

/** Asks the server for a one-file download link and lets the browser save what it opens. */
export async function startDownload(meetingId: string, token: string, what: ExportWhat, format: string, version?: { docId: string; versionId: string }): Promise<void> {
  const { url } = await postJson<ExportLinkResponse>(`/api/meetings/${encodeURIComponent(meetingId)}/export/links`, { what, format, ...version }, token);
  // An <a download> in the document (Firefox ignores a detached one): the browser saves the file under
  // the server's name (会议纪要-<title>-<date>.<ext>) and the page stays where it is.
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
}

/** Fetches at most once per this many ms while the log moves. */
const PREVIEW_INTERVAL_MS = 2_000;

/**
 * The minutes as the server would export them now (`GET …/export/minutes.json`, with the bearer),
 * refreshed when the page's log position moves: the first fetch at once, then at most one every two
 * seconds, never two at a time; the last position asked for is always fetched in the end.
 */
export class MinutesPreview {
  document = $state.raw<RecordDocument | null>(null);
  error = $state.raw<ShownError | 'network' | null>(null);
  loading = $state(false);

  readonly #path: string;
  readonly #token: string;
  readonly #intervalMs: number;
  #wanted = 0;
  #fetched = -1;
  /** Changes the log does not show (a minutes draft's text [D27]): counted, and fetched like a new position. */
  #pokes = 0;
  #fetchedPokes = 0;
  #lastStart = -Infinity;
  #inFlight = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(meetingId: string, token: string, intervalMs = PREVIEW_INTERVAL_MS) {
    this.#path = `/api/meetings/${encodeURIComponent(meetingId)}/export/minutes.json`;
    this.#token = token;
    this.#intervalMs = intervalMs;
  }

  /** The page's feed reached `seq`: the preview should show at least that. */
  want(seq: number): void {
    if (seq > this.#wanted) this.#wanted = seq;
    this.#schedule();
  }

  /** Something the minutes include changed without the log moving (a minutes draft was edited): fetch again. */
  poke(): void {
    this.#pokes++;
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#closed || this.#inFlight || this.#timer || (this.#wanted <= this.#fetched && this.#pokes <= this.#fetchedPokes)) return;
    const wait = Math.max(0, this.#lastStart + this.#intervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#fetch();
    }, wait);
  }

  async #fetch(): Promise<void> {
    if (this.#closed) return;
    const target = this.#wanted;
    const pokes = this.#pokes;
    this.#inFlight = true;
    this.#lastStart = Date.now();
    this.loading = true;
    try {
      const doc = await getJson<RecordDocument>(this.#path, this.#token);
      if (this.#closed) return;
      this.document = doc;
      this.error = null;
    } catch (err) {
      if (this.#closed) return;
      this.error = err instanceof ApiError ? err.error : { code: 'internal' };
    } finally {
      // Done with this position either way: a failure is tried again when the log moves on.
      this.#fetched = target;
      this.#fetchedPokes = pokes;
      this.#inFlight = false;
      this.loading = false;
      this.#schedule();
    }
  }
}
