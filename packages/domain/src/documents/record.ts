import type { Block, Inline, RecordContext, RecordDocument } from '../record/model.ts';
import { section } from '../record/model.ts';
import type { DocumentVersion, MeetingDocument, MeetingState } from '../state.ts';
import type { Outline, OutlineBlock, OutlineRun } from './outline.ts';
import { isDiagramKind, type Diagram, type DiagramKind, type DiagramNodeKind } from './diagram.ts';
import { recordContext } from '../record/context.ts';

/*
 * Documents in the record: a rich-text document's outline as the record's blocks (chapters and sections
 * as headings, articles numbered 第N条 with their text, paragraphs, lists with their own markers, bold,
 * italic and safe links kept), a named version as a document of its own (title, version name, when and
 * by whom it was saved, the content hash, the text, and the log entry that vouches for it) [D26], and
 * the minutes' list of the versions saved in the meeting. Pure; `packages/export` renders the result.
 */

const inlineOf = (run: OutlineRun): Inline =>
  run.bold || run.italic || run.href !== undefined
    ? { text: run.text, ...(run.bold ? { bold: true } : {}), ...(run.italic ? { italic: true } : {}), ...(run.href !== undefined ? { href: run.href } : {}) }
    : run.text;

const inlinesOf = (runs: readonly OutlineRun[]): Inline[] => runs.filter((r) => r.text !== '').map(inlineOf);
const plain = (runs: readonly OutlineRun[]): string => runs.map((r) => r.text).join('');

/**
 * An outline as blocks. `top` is the heading level of its chapters (2 in a document of its own, 3 inside
 * the minutes); a section is one level below, or a bold paragraph where the levels run out. An article
 * is a paragraph led by its number in bold: "第三条　…". Consecutive list items make one list that keeps
 * each item's marker and depth. Empty paragraphs (a blank line in the editor) are left out.
 */
export function outlineBlocks(outline: Outline, top: 2 | 3 = 2): Block[] {
  const out: Block[] = [];
  let list: Extract<Block, { kind: 'list' }> | null = null;
  const heading = (level: 2 | 3 | 4, label: string, runs: readonly OutlineRun[]): Block => {
    const text = [label, plain(runs).replace(/\s+/g, ' ').trim()].filter(Boolean).join(' ');
    return level === 4 ? { kind: 'paragraph', inlines: [{ text, bold: true }] } : { kind: 'heading', level, text };
  };
  for (const b of outline.blocks as readonly OutlineBlock[]) {
    if (b.kind !== 'item') list = null;
    switch (b.kind) {
      case 'chapter':
        out.push(heading(top, b.label, b.runs));
        break;
      case 'section':
        out.push(heading(top === 2 ? 3 : 4, b.label, b.runs));
        break;
      case 'article':
        out.push({ kind: 'paragraph', inlines: [{ text: b.label, bold: true }, '\u3000', ...inlinesOf(b.runs)] });
        break;
      case 'paragraph':
        if (plain(b.runs).trim() !== '') out.push({ kind: 'paragraph', inlines: inlinesOf(b.runs) });
        break;
      case 'item':
        if (list === null) {
          list = { kind: 'list', ordered: b.marker !== '•', items: [], markers: [], depths: [] };
          out.push(list);
        }
        list.items.push(inlinesOf(b.runs));
        list.markers!.push(b.marker);
        list.depths!.push(b.depth);
        break;
    }
  }
  return out;
}

export interface VersionDocumentInput {
  /** The meeting's state (for its title, language and zone): the version must be in it. */
  state: MeetingState;
  docId: string;
  versionId: string;
  /** The version's content as an outline (read from its stored bytes, checked against its hash): a text document's. */
  outline?: Outline;
  /** The version's content as a diagram (`diagramOf` of its stored bytes): a diagram's [D36]. */
  diagram?: Diagram;
  /** The hash of the log entry that recorded the version (`document.versioned`, at the version's `seq`). */
  entryHash: string;
  /** The meeting's verify page. */
  verifyUrl: string;
}

const SAVER: Record<DocumentVersion['by'], [string, string]> = {
  facilitator: ['主持人', 'the facilitator'],
  secretary: ['记录员', 'the secretary'],
  participant: ['参会者', 'a participant']
};

/**
 * A named version as a document of its own [D26]: the document's title, the version's name, the
 * meeting, when and by whom (by role) it was saved, the SHA-256 of its content, its text numbered as
 * the editor numbers it, and the log entry that recorded it, with that entry's hash and the verify
 * address, so a printed copy can be checked. Null when the meeting holds no such version.
 */
export function buildVersionDocument(input: VersionDocumentInput): RecordDocument | null {
  const { state } = input;
  const doc: MeetingDocument | undefined = state.documents.get(input.docId);
  const version = doc?.versions.find((v) => v.id === input.versionId);
  if (doc === undefined || version === undefined) return null;
  const ctx = recordContext(state);
  const { t } = ctx;
  const [zhBy, enBy] = SAVER[version.by];
  const body = isDiagramKind(doc.kind) ? diagramBlocks(input.diagram ?? { nodes: [], edges: [] }, doc.kind, `${doc.title} · ${version.name}`, t) : outlineBlocks(input.outline ?? { blocks: [] }, 2);
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: doc.title },
    {
      kind: 'fields',
      rows: [
        { label: t('版本', 'Version'), value: version.name },
        { label: t('会议', 'Meeting'), value: state.title },
        { label: t('保存', 'Saved'), value: t(`${ctx.time(version.at)}，由${zhBy}保存`, `${ctx.time(version.at)} by ${enBy}`) },
        { label: t('内容哈希', 'Content hash'), value: `SHA-256 ${version.contentHash}` }
      ]
    },
    ...(body.length > 0 ? body : [{ kind: 'note', text: t('这个版本没有内容。', 'This version is empty.') } satisfies Block]),
    {
      kind: 'verify',
      label: t('核验', 'Verification'),
      seq: version.seq,
      hash: input.entryHash,
      url: input.verifyUrl,
      text: t(
        `这个版本记载于会议记录第 ${version.seq} 条（保存版本，${ctx.time(version.at)}），该条记下了版本内容的 SHA-256 哈希值 ${version.contentHash}。核验打印件：打开核验页面，输入条目编号 ${version.seq} 和下面的哈希值；页面会确认这一条在会议记录中且未被改动。`,
        `This version is recorded at entry ${version.seq} of the meeting's record (version saved, ${ctx.time(version.at)}), which holds the SHA-256 of its content, ${version.contentHash}. To check a printed copy, open the verify page and type in entry number ${version.seq} and the hash below; the page confirms that this entry is in the record, unaltered.`
      )
    }
  ];
  const footer = `${doc.title} · ${version.name} · ${t(`第 ${version.seq} 条`, `entry ${version.seq}`)} · ${input.entryHash.slice(0, 12)}`;
  return { kind: 'version', language: state.language, title: `${doc.title} · ${version.name}`, footer, blocks };
}

const NODE_WORDS: Record<DiagramNodeKind, [string, string]> = {
  step: ['步骤', 'step'],
  decision: ['判断', 'decision'],
  terminal: ['开始/结束', 'start/end'],
  role: ['角色/组织', 'role'],
  person: ['人员', 'person'],
  area: ['片区', 'area'],
  note: ['备注', 'note']
};

export const DIAGRAM_KIND_WORDS: Record<DiagramKind, [string, string]> = {
  workflow: ['工作流程图', 'Workflow chart'],
  orgChart: ['组织框架图', 'Organisation chart'],
  zoning: ['分片示意图', 'Zoning sketch']
};

/**
 * A diagram version's body [D36]: the picture (a `diagram` block the renderers draw), then what it holds
 * as text, for screen readers, search and anyone who cannot read the picture: every node with its kind
 * (a note with the area it is pinned to), in the order of the page (top to bottom, left to right), and
 * every connection as "from → to（label）". An empty diagram is a note, no picture.
 */
export function diagramBlocks(diagram: Diagram, diagramKind: DiagramKind, caption: string, t: (zh: string, en: string) => string): Block[] {
  if (diagram.nodes.length === 0) return [{ kind: 'note', text: t('这个版本的图是空的。', 'This version of the diagram is empty.') }];
  const byId = new Map(diagram.nodes.map((n) => [n.id, n]));
  const name = (id: string) => byId.get(id)?.label.trim() || t('（无文字）', '(no text)');
  const nodes = [...diagram.nodes].sort((a, b) => a.y - b.y || a.x - b.x || (a.id < b.id ? -1 : 1));
  const nodeItems: Inline[][] = nodes.map((n) => {
    const [zh, en] = NODE_WORDS[n.kind];
    const pinned = n.kind === 'note' && n.area !== undefined && byId.get(n.area)?.kind === 'area' ? t(`，在“${name(n.area)}”`, `, in “${name(n.area)}”`) : '';
    return [{ text: n.label.trim() || t('（无文字）', '(no text)') }, { text: t(`（${zh}${pinned}）`, ` (${en}${pinned})`), muted: true }];
  });
  const edgeItems: Inline[][] = diagram.edges.map((e) => [`${name(e.source)} → ${name(e.target)}`, ...(e.label.trim() ? [{ text: t(`（${e.label.trim()}）`, ` (${e.label.trim()})`), muted: true }] : [])]);
  const [zhKind, enKind] = DIAGRAM_KIND_WORDS[diagramKind];
  return [
    { kind: 'diagram', diagram, diagramKind, caption: t(`${zhKind}：${caption}`, `${enKind}: ${caption}`) },
    { kind: 'heading', level: 2, text: t('图中的内容', 'What the diagram holds') },
    { kind: 'heading', level: 3, text: t(`节点（${nodes.length}）`, `Nodes (${nodes.length})`) },
    { kind: 'list', ordered: true, items: nodeItems },
    ...(edgeItems.length > 0
      ? ([
          { kind: 'heading', level: 3, text: t(`连线（${edgeItems.length}）`, `Connections (${edgeItems.length})`) },
          { kind: 'list', ordered: false, items: edgeItems }
        ] satisfies Block[])
      : [])
  ];
}

/** Which documents the minutes print in full, in place of (or after) the secretary's notes [D27]. */
export const isMinutesDraft = (doc: MeetingDocument): boolean => doc.kind === 'minutesDraft';

/**
 * The minutes drafts' text, for the record's notes section: each draft the export read, in the order
 * the drafts were created, its chapters as level-3 headings; a draft's title is printed when there is
 * more than one, or when the secretary's typed notes come before it.
 */
export function draftBlocks(ctx: RecordContext, afterNotes: boolean): Block[] {
  const drafts = [...ctx.state.documents.values()].filter(isMinutesDraft).sort((a, b) => a.order - b.order);
  const out: Block[] = [];
  for (const doc of drafts) {
    const outline = ctx.outline(doc.id);
    if (outline === null) continue;
    const blocks = outlineBlocks(outline, 3);
    if (blocks.length === 0) continue;
    if (drafts.length > 1 || afterNotes) out.push({ kind: 'heading', level: 3, text: doc.title });
    out.push(...blocks);
  }
  return out;
}

/**
 * The minutes' list of named versions saved in the meeting (documents other than the minutes drafts):
 * document, version, when, and the log entry that vouches for it. Nothing when there are none.
 */
export const versionsSection = section<null>({
  id: 'documents',
  init: () => null,
  step: () => undefined,
  blocks(_acc, ctx) {
    const { t } = ctx;
    const docs = [...ctx.state.documents.values()].filter((d) => !isMinutesDraft(d) && d.versions.length > 0).sort((a, b) => a.order - b.order);
    if (docs.length === 0) return [];
    const rows = docs.flatMap((d) => d.versions.map((v): Inline[][] => [[d.title], [v.name], [ctx.time(v.at)], [t(`第 ${v.seq} 条`, `entry ${v.seq}`)]]));
    return [
      { kind: 'heading', level: 2, text: t('文件版本', 'Document versions') },
      { kind: 'table', header: [t('文件', 'Document'), t('版本', 'Version'), t('保存时间', 'Saved'), t('记录条目', 'Record entry')], rows, widths: [3, 3, 2.2, 1.6] }
    ];
  }
});
