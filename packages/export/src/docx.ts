import {
  AlignmentType,
  BorderStyle,
  Document,
  ExternalHyperlink,
  Footer,
  HeadingLevel,
  ImageRun,
  LeaderType,
  LineRuleType,
  Packer,
  PageNumber,
  Paragraph,
  ShadingType,
  Tab,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TabStopType,
  TextRun,
  WidthType,
  type IRunOptions,
  type ParagraphChild,
} from 'docx';
import type { Block, Inline, RecordDocument } from './model.ts';
import { clean, listMarker, span, withTitle } from './text.ts';
import { words } from './words.ts';
import { diagramGeometry } from './diagram/geometry.ts';
import { geometrySvg } from './diagram/svg.ts';
import { svgToPng } from './diagram/raster.ts';

/*
 * DOCX with the `docx` package. Line spacing is "at least" a height in points rather than a multiple of
 * the font's: where SimHei is missing (LibreOffice) the line height of the Latin font would be used, and
 * taller Chinese glyphs overlap. Chinese offices print from Word or WPS on Windows, where SimSun (宋体)
 * and SimHei (黑体) are always installed, so the East-Asian font of body text is SimSun and of headings
 * SimHei; Latin text uses Arial. The page is A4; tables use a fixed layout at the text width (so a long
 * unbroken string wraps inside its cell instead of widening the table off the page) and repeat their
 * header row; the footer holds the document's footer and the page number.
 */

// Twips (1/20 pt). A4 is 11906 × 16838.
const PAGE = { width: 11906, height: 16838 };
const MARGIN = { top: 1304, bottom: 1304, left: 1417, right: 1247, footer: 567 };
const TEXT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;

const BODY_FONT = { ascii: 'Arial', hAnsi: 'Arial', eastAsia: 'SimSun', cs: 'Arial' };
const HEAD_FONT = { ascii: 'Arial', hAnsi: 'Arial', eastAsia: 'SimHei', cs: 'Arial' };
const MUTED = '595959';
const RULE = { style: BorderStyle.SINGLE, size: 4, color: '808080' };

/** A tab as Word reads it (`<w:tab/>`; a tab character inside `<w:t>` is not one). */
const tab = (options: Omit<IRunOptions, 'text' | 'children'> = {}) => new TextRun({ ...options, children: [new Tab()] });

/** A user string as runs, its newlines as line breaks. */
function runs(text: string, options: Omit<IRunOptions, 'text' | 'break'> = {}): TextRun[] {
  return clean(text)
    .split('\n')
    .map((line, i) => new TextRun({ ...options, text: line, ...(i > 0 ? { break: 1 } : {}) }));
}

/** Inlines as runs; a linked one inside a hyperlink (only an address `span` lets through). */
function inlineRuns(list: Inline[], base: Omit<IRunOptions, 'text' | 'break'> = {}): ParagraphChild[] {
  return list.flatMap((i): ParagraphChild[] => {
    const s = span(i);
    const options = { ...base, ...(s.bold ? { bold: true } : {}), ...(s.italic ? { italics: true } : {}), ...(s.struck ? { strike: true } : {}), ...(s.muted ? { color: MUTED } : {}) };
    if (s.href !== null) return [new ExternalHyperlink({ link: s.href, children: runs(s.text, { ...options, style: 'Hyperlink' }) })];
    return runs(s.text, options);
  });
}

function cellParagraph(children: ParagraphChild[]): Paragraph {
  return new Paragraph({ children, spacing: { before: 40, after: 40, line: 300, lineRule: LineRuleType.AT_LEAST } });
}

function table(header: string[], rows: Inline[][][], widths?: number[]): Table {
  const cols = Math.max(header.length, ...rows.map((r) => r.length), 1);
  const rel = Array.from({ length: cols }, (_, i) => Math.max(widths?.[i] ?? 1, 0.01));
  const total = rel.reduce((a, b) => a + b, 0);
  const twips = rel.map((w) => Math.floor((w / total) * TEXT_WIDTH));
  const margins = { top: 40, bottom: 40, left: 80, right: 80 };
  const cell = (children: ParagraphChild[], i: number, head: boolean) =>
    new TableCell({
      width: { size: twips[i]!, type: WidthType.DXA },
      margins,
      ...(head ? { shading: { type: ShadingType.CLEAR, fill: 'EDEDED', color: 'auto' } } : {}),
      children: [cellParagraph(children)],
    });
  const headRow = new TableRow({
    tableHeader: true,
    cantSplit: true,
    children: Array.from({ length: cols }, (_, i) => cell(runs(header[i] ?? '', { bold: true, font: HEAD_FONT }), i, true)),
  });
  const bodyRows = rows.map(
    (r) => new TableRow({ children: Array.from({ length: cols }, (_, i) => cell(inlineRuns(r[i] ?? []), i, false)) })
  );
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: twips,
    layout: TableLayoutType.FIXED,
    borders: { top: RULE, bottom: RULE, left: RULE, right: RULE, insideHorizontal: RULE, insideVertical: RULE },
    rows: [headRow, ...bodyRows],
  });
}

const HEADINGS = { 1: HeadingLevel.TITLE, 2: HeadingLevel.HEADING_1, 3: HeadingLevel.HEADING_2 } as const;

/** A diagram's picture, made before the document is built (the PNG is rasterised asynchronously). */
interface Picture {
  svg: string;
  png: Uint8Array;
  width: number;
  height: number;
}

async function pictureOf(b: Extract<Block, { kind: 'diagram' }>, doc: RecordDocument): Promise<Picture | null> {
  const g = diagramGeometry(b.diagram, doc.language);
  if (!g) return null;
  const svg = geometrySvg(g, clean(b.caption));
  const png = await svgToPng(geometrySvg(g, clean(b.caption), { outlines: true }), g.bounds.w, g.bounds.h);
  // At most the text width and a page high, in pixels at 96 dpi (15 twips each); never larger than drawn.
  const maxW = Math.floor(TEXT_WIDTH / 15);
  const maxH = Math.floor((PAGE.height - MARGIN.top - MARGIN.bottom) / 15) - 80;
  const scale = Math.min(1, maxW / g.bounds.w, maxH / g.bounds.h);
  return { svg, png, width: Math.max(1, Math.round(g.bounds.w * scale)), height: Math.max(1, Math.round(g.bounds.h * scale)) };
}

function block(b: Block, doc: RecordDocument, pictures: Map<Block, Picture | null>): (Paragraph | Table)[] {
  const w = words(doc.language);
  switch (b.kind) {
    case 'heading':
      return [new Paragraph({ heading: HEADINGS[b.level], ...(b.level === 1 ? { alignment: AlignmentType.CENTER } : {}), children: runs(b.text) })];
    case 'paragraph':
      return [new Paragraph({ children: inlineRuns(b.inlines) })];
    case 'fields':
      return b.rows.map(
        (r) =>
          new Paragraph({
            spacing: { after: 60 },
            indent: { left: 1680, hanging: 1680 },
            tabStops: [{ type: TabStopType.LEFT, position: 1680 }],
            children: [...runs(`${r.label}${w.colon}`, { bold: true, font: HEAD_FONT }), tab(), ...runs(r.value)],
          })
      );
    case 'table':
      return [table(b.header, b.rows, b.widths), new Paragraph({ spacing: { after: 120 }, children: [] })];
    case 'list':
      return b.items.map((item, i) => {
        const { marker, depth } = listMarker(b, i);
        const left = 480 + depth * 360;
        return new Paragraph({
          spacing: { after: 60 },
          indent: { left, hanging: marker === '' ? 0 : 480 },
          tabStops: [{ type: TabStopType.LEFT, position: left }],
          children: [...(marker === '' ? [] : [new TextRun({ text: marker }), tab()]), ...inlineRuns(item)],
        });
      });
    case 'note':
      return [new Paragraph({ children: runs(b.text, { color: MUTED, size: 19 }) })];
    case 'signatures': {
      const signAt = Math.round(TEXT_WIDTH * 0.42);
      const lineEnd = Math.round(TEXT_WIDTH * 0.72);
      const dateAt = lineEnd + 200;
      return b.rows.map(
        (r) =>
          new Paragraph({
            spacing: { before: 360, after: 120 },
            tabStops: [
              { type: TabStopType.LEFT, position: signAt },
              { type: TabStopType.LEFT, position: lineEnd, leader: LeaderType.UNDERSCORE },
              { type: TabStopType.LEFT, position: dateAt },
              { type: TabStopType.RIGHT, position: TEXT_WIDTH, leader: LeaderType.UNDERSCORE },
            ],
            children: [
              ...runs(`${r.role}${w.colon}`, { bold: true, font: HEAD_FONT }),
              ...runs(r.name),
              tab(),
              new TextRun({ text: `${w.signature}${w.colon}` }),
              tab(),
              tab(),
              ...runs(`${b.dateLabel}${w.colon}`),
              tab(),
            ],
          })
      );
    }
    case 'diagram': {
      // The picture as SVG with a PNG for Word processors without SVG [D36]; the caption below it, as text.
      const caption = new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 200 }, children: runs(b.caption, { color: MUTED, size: 19 }) });
      const picture = pictures.get(b);
      if (!picture) return [caption];
      const image = new ImageRun({
        type: 'svg',
        data: new TextEncoder().encode(picture.svg),
        fallback: { type: 'png', data: picture.png },
        transformation: { width: picture.width, height: picture.height },
        altText: { name: clean(b.caption).slice(0, 200), title: clean(b.caption), description: clean(b.caption) },
      });
      return [new Paragraph({ alignment: AlignmentType.CENTER, keepNext: true, spacing: { before: 120, after: 60 }, children: [image] }), caption];
    }
    case 'verify': {
      const edge = { ...RULE, space: 4 };
      const border = { top: edge, bottom: edge, left: edge, right: edge };
      const boxed = { border, spacing: { after: 40 } } as const;
      return [
        new Paragraph({ ...boxed, spacing: { before: 240, after: 60 }, children: runs(b.label, { bold: true, font: HEAD_FONT }) }),
        new Paragraph({ ...boxed, children: runs(b.text) }),
        new Paragraph({ ...boxed, children: [...runs(`${w.entry}${w.colon}`, { bold: true, font: HEAD_FONT }), new TextRun({ text: String(b.seq) })] }),
        new Paragraph({
          ...boxed,
          children: [...runs(`${w.hash}${w.colon}`, { bold: true, font: HEAD_FONT }), ...runs(b.hash, { font: { ascii: 'Consolas', hAnsi: 'Consolas', eastAsia: 'SimSun' }, size: 18 })],
        }),
        new Paragraph({
          ...boxed,
          children: [
            ...runs(`${w.address}${w.colon}`, { bold: true, font: HEAD_FONT }),
            /^https?:\/\/\S+$/.test(b.url) ? new ExternalHyperlink({ link: b.url, children: runs(b.url, { style: 'Hyperlink' }) }) : new TextRun({ text: clean(b.url) }),
          ],
        }),
      ];
    }
  }
}

/** The page footer: the document's footer line, then `第 n 页 / 共 m 页` with Word's page fields. */
function footer(doc: RecordDocument): Footer {
  const w = words(doc.language);
  const [before = '', rest = ''] = w.page.split('{n}');
  const [middle = '', after = ''] = rest.split('{of}');
  const small = { size: 16, color: MUTED } as const;
  return new Footer({
    children: [
      new Paragraph({ alignment: AlignmentType.CENTER, children: runs(doc.footer, small) }),
      new Paragraph({
        alignment: AlignmentType.CENTER,
        children: [new TextRun({ ...small, children: [before, PageNumber.CURRENT, middle, PageNumber.TOTAL_PAGES, after] })],
      }),
    ],
  });
}

export async function renderDocx(doc: RecordDocument): Promise<Uint8Array> {
  const blocks = withTitle(doc);
  const pictures = new Map<Block, Picture | null>();
  for (const b of blocks) if (b.kind === 'diagram') pictures.set(b, await pictureOf(b, doc));
  const document = new Document({
    title: clean(doc.title),
    creator: 'Yishi',
    styles: {
      default: {
        document: { run: { font: BODY_FONT, size: 22, language: { value: doc.language === 'en' ? 'en-GB' : 'zh-CN', eastAsia: 'zh-CN' } }, paragraph: { spacing: { line: 330, lineRule: LineRuleType.AT_LEAST, after: 120 } } },
        title: { run: { font: HEAD_FONT, size: 36, bold: true, color: '000000' }, paragraph: { spacing: { before: 120, after: 240, line: 500, lineRule: LineRuleType.AT_LEAST } } },
        heading1: { run: { font: HEAD_FONT, size: 30, bold: true, color: '000000' }, paragraph: { spacing: { before: 360, after: 160, line: 420, lineRule: LineRuleType.AT_LEAST }, keepNext: true } },
        heading2: { run: { font: HEAD_FONT, size: 25, bold: true, color: '000000' }, paragraph: { spacing: { before: 240, after: 120, line: 360, lineRule: LineRuleType.AT_LEAST }, keepNext: true } },
        hyperlink: { run: { color: '1F4E9A', underline: {} } },
      },
    },
    sections: [
      {
        properties: { page: { size: PAGE, margin: MARGIN } },
        footers: { default: footer(doc) },
        children: blocks.flatMap((b) => block(b, doc, pictures)),
      },
    ],
  });
  const buffer = await Packer.toBuffer(document);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

