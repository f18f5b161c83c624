import { createHash } from 'node:crypto';
import { compareDiagrams, compareOutlines, decide, isDiagramKind, documentRight, documentVersion, type ClientCommand, type ComparedSide, type ServerCommand, type VersionComparison } from '@yishi/domain';
import { protocolError, type Actor, type ProtocolError } from '@yishi/protocol';
import type { Store } from '@yishi/store';
import * as Y from 'yjs';
import { readContent } from './contentDoc.ts';
import type { Logger } from '../logger.ts';
import type { ExecuteResult, MeetingService } from '../meetings/meetingService.ts';
import { newId } from '../secrets.ts';
import { diagramOfContent } from './diagramData.ts';
import { outlineOfContent } from './outline.ts';
import type { YjsServer } from './yjsServer.ts';

/*
 * Named versions [D22, S21]. `decide` is pure, so the server fills in what a version is: the document's
 * content as it holds it, stored immutably under a fresh id, and its SHA-256 and size in the command it
 * then decides and appends (`document.version.record`), so the hash-chained log vouches for the bytes.
 * Serving a version checks the bytes against that hash first: altered bytes are never served.
 */

type SaveCommand = Extract<ClientCommand, { type: 'document.version.save' }>;

/** The name of the Y.XmlFragment the editor writes to (Tiptap's Collaboration extension: `field`, default 'default'). */
export const EDITOR_FRAGMENT = 'default';

/** Placeholder content for deciding before the content is made: the same checks, nothing stored. */
const NO_HASH = '0'.repeat(64);

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export type VersionRead = { ok: true; content: Uint8Array } | { ok: false; error: ProtocolError };

/** One side of a comparison as asked for: a named version's id, or the document's current text. */
export type VersionRef = string | 'current';
export type CompareResult = { ok: true; comparison: VersionComparison } | { ok: false; error: ProtocolError };

export class DocVersions {
  constructor(
    private readonly deps: { store: Store; meetings: MeetingService; yjs: () => YjsServer | null; log: Logger }
  ) {}

  /**
   * Saves the document's current content as a named version, for `actor`. Idempotent per `commandKey`
   * like every command. Decided first on placeholder content, so a refused save stores nothing; once
   * stored, the version is recorded (decided again on the state of that moment).
   */
  async save(meetingId: string, command: SaveCommand, actor: Actor, commandKey: string): Promise<ExecuteResult> {
    const { store, meetings } = this.deps;
    const seen = await store.getCommandResult(meetingId, commandKey);
    if (seen) return seen.ok ? seen : { ok: false, error: seen.error as ProtocolError };
    const versionId = newId();
    const record = (contentHash: string, bytes: number): ServerCommand => ({
      type: 'document.version.record',
      commandId: command.commandId,
      docId: command.docId,
      name: command.name,
      versionId,
      contentHash,
      bytes
    });
    const { state } = await meetings.current(meetingId);
    const precheck = decide(state, record(NO_HASH, 0), actor, { now: Date.now(), newId });
    if (!precheck.ok) return precheck;
    const yjs = this.deps.yjs();
    if (!yjs) return { ok: false, error: protocolError('internal', 'documents are not served') };
    const content = await yjs.content(meetingId, command.docId);
    // A fresh id: put-if-absent cannot find one there already; if it did, that content is the version.
    if (!(await store.putDocVersion(meetingId, command.docId, versionId, content))) {
      this.deps.log.error({ meetingId, docId: command.docId, versionId }, 'a fresh version id was taken');
      return { ok: false, error: protocolError('internal', 'could not store the version; try again') };
    }
    return meetings.execute(meetingId, record(sha256Hex(content), content.byteLength), actor, commandKey);
  }

  /** A document's current content (the copy this node serves, else the store's), or null when documents are not served. */
  async current(meetingId: string, docId: string): Promise<Uint8Array | null> {
    const yjs = this.deps.yjs();
    return yjs ? yjs.content(meetingId, docId) : null;
  }

  /**
   * A version's content, for someone who may read the document, after checking it against the hash the
   * log holds for it. Bytes that no longer match are refused (`internal`, "version altered"), never served.
   */
  async read(meetingId: string, docId: string, versionId: string, actor: Actor): Promise<VersionRead> {
    const { state } = await this.deps.meetings.current(meetingId);
    if (!state || !state.documents.has(docId)) return { ok: false, error: protocolError('not_found', 'no such document') };
    if (documentRight(state, actor, docId) === 'none') return { ok: false, error: protocolError('forbidden', 'you may not read this document') };
    const version = documentVersion(state, docId, versionId);
    if (!version) return { ok: false, error: protocolError('not_found', 'no such version') };
    const content = await this.deps.store.getDocVersion(meetingId, docId, versionId);
    if (content === null || content.byteLength !== version.bytes || sha256Hex(content) !== version.contentHash) {
      this.deps.log.error({ meetingId, docId, versionId, found: content !== null }, 'stored version does not match the hash in the log');
      return { ok: false, error: protocolError('internal', 'version altered: its stored content does not match the hash in the log') };
    }
    return { ok: true, content };
  }

  /**
   * Compares two versions of one document, or a version and its current text, for someone who may read
   * it [D24, D34]: both sides are checked before any content is read (a version of another document of the
   * meeting is `invalid`, not "not found"), versions only once their bytes match the log's hash, the
   * current text as this node holds it (or loads it). The comparison runs here, so a phone gets only
   * the small result.
   */
  async compare(meetingId: string, docId: string, from: VersionRef, to: VersionRef, actor: Actor): Promise<CompareResult> {
    const { state } = await this.deps.meetings.current(meetingId);
    if (!state || !state.documents.has(docId)) return { ok: false, error: protocolError('not_found', 'no such document') };
    if (documentRight(state, actor, docId) === 'none') return { ok: false, error: protocolError('forbidden', 'you may not read this document') };
    const sides: ComparedSide[] = [];
    for (const [field, ref] of [['from', from], ['to', to]] as const) {
      if (ref === 'current') {
        sides.push({ kind: 'current' });
        continue;
      }
      const version = documentVersion(state, docId, ref);
      if (version) {
        sides.push({ kind: 'version', versionId: version.id, name: version.name, at: version.at });
        continue;
      }
      const elsewhere = [...state.documents.values()].some((d) => d.versions.some((v) => v.id === ref));
      if (elsewhere) return { ok: false, error: protocolError('invalid', 'versions of two different documents cannot be compared', { field }) };
      return { ok: false, error: protocolError('not_found', 'no such version', { field }) };
    }
    const contents: Uint8Array[] = [];
    for (const side of sides) {
      if (side.kind === 'version') {
        const read = await this.read(meetingId, docId, side.versionId, actor);
        if (!read.ok) return read;
        contents.push(read.content);
      } else {
        const yjs = this.deps.yjs();
        if (!yjs) return { ok: false, error: protocolError('internal', 'documents are not served') };
        contents.push(await yjs.content(meetingId, docId));
      }
    }
    const [older, newer] = [sides[0]!, sides[1]!];
    // The document's kind decides the comparison: a diagram's nodes and edges by id [D34], else articles [D24].
    if (isDiagramKind(state.documents.get(docId)!.kind)) {
      const [a, b] = [diagramOfContent(contents[0]!), diagramOfContent(contents[1]!)];
      return { ok: true, comparison: { format: 'diagram', docId, from: older, to: newer, ...compareDiagrams(a, b), diagram: b } };
    }
    const comparison = compareOutlines(outlineOfContent(contents[0]!), outlineOfContent(contents[1]!));
    return { ok: true, comparison: { format: 'outline', docId, from: older, to: newer, ...comparison } };
  }
}

/**
 * A version as plain text: the editor's fragment, one line per text block (paragraph, heading, list
 * item's paragraph…), blocks in document order; containers (lists, chapters) are walked into.
 */
export function versionText(content: Uint8Array): string {
  return readContent(content, (doc) => {
    const lines: string[] = [];
    walk(doc.getXmlFragment(EDITOR_FRAGMENT), lines);
    return lines.join('\n');
  });
}

type XmlChild = Y.XmlElement | Y.XmlText | Y.XmlHook;

function walk(parent: Y.XmlFragment | Y.XmlElement, lines: string[]): void {
  for (const child of parent.toArray() as XmlChild[]) {
    if (child instanceof Y.XmlText) lines.push(inlineText(child));
    else if (child instanceof Y.XmlElement) {
      if (isTextBlock(child)) lines.push(blockText(child));
      else walk(child, lines);
    }
  }
}

/** A block whose children are inline: text, and inline nodes such as a hard break. */
function isTextBlock(el: Y.XmlElement): boolean {
  const kids = el.toArray() as XmlChild[];
  return kids.length === 0 || kids.every((k) => k instanceof Y.XmlText || (k instanceof Y.XmlElement && INLINE_NODES.has(k.nodeName)));
}

const INLINE_NODES = new Set(['hardBreak', 'hard_break']);

function blockText(el: Y.XmlElement): string {
  return (el.toArray() as XmlChild[]).map((k) => (k instanceof Y.XmlText ? inlineText(k) : k instanceof Y.XmlElement ? '\n' : '')).join('');
}

/** The characters of a text, without its marks (Y.XmlText's toString writes marks as tags). */
function inlineText(t: Y.XmlText): string {
  return (t.toDelta() as { insert: unknown }[]).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
}
