/// <reference path="../vendor.d.ts" />
import LineBreaker from 'linebreak';
import PDFDocument from 'pdfkit';
import type { Language } from '../model.ts';
import type { Span } from '../text.ts';
import { pageOf, words, type Words } from '../words.ts';
import { advance, clusterAdvance, covers, faces, type Face, type FaceKey } from './fonts.ts';

/*
 * A small typesetter over pdfkit. pdfkit draws the glyphs; the line breaking is done here, for three
 * reasons: each character goes to the face that has its glyph (Noto Sans SC, else Noto Emoji, else a
 * visible `[U+XXXX]`), the breaks follow Unicode's line breaking rules (UAX #14 via `linebreak`: between
 * Chinese characters, not before `，。）`, after spaces and hyphens; a run longer than a line is cut between
 * characters), and knowing every line's height lets table rows split across pages with their header
 * repeated. Each character is measured once per face (a cache), so the cost is linear in the text.
 */

export const A4 = { width: 595.28, height: 841.89 };
const MM = 72 / 25.4;
/** Print margins: 25 mm on the binding side, 20 mm elsewhere, the footer inside the bottom margin. */
export const MARGINS = { top: 20 * MM, bottom: 22 * MM, left: 25 * MM, right: 20 * MM };

export const INK = '#111111';
export const MUTED = '#555555';
export const RULE = '#8c8c8c';
/** Links: dark blue, 8:1 on white. */
export const LINK = '#1f4e9a';

export interface TextStyle {
  size: number;
  /** Line height as a multiple of the size. */
  leading: number;
  bold?: boolean;
  color?: string;
  align?: 'left' | 'center';
}

interface Char {
  text: string;
  face: FaceKey;
  span: number;
  /** Width in ems. */
  w: number;
  space: boolean;
  /** A break may come before this character. */
  breakBefore: boolean;
  /** Attached to the character before (combining mark, variation selector, ZWJ sequence): never split from it. */
  attached: boolean;
}

export interface Line {
  chars: Char[];
  /** Width in points, trailing spaces left out. */
  width: number;
}

export interface Laid {
  lines: Line[];
  spans: Span[];
  style: TextStyle;
  lineHeight: number;
}

/** Invisible format characters that ride on the character before them, or go when nothing can carry them. */
const INVISIBLE = /^[\u200B-\u200F\u2060-\u2064\uFE00-\uFE0F\uFEFF\u{E0020}-\u{E007F}\u{E0100}-\u{E01EF}]$/u;
/** Visible characters that belong to the one before them: combining marks, skin tones, the keycap. */
const JOINING = /^[\p{M}\u{1F3FB}-\u{1F3FF}\u20E3]$/u;

const isRegional = (cp: number) => cp >= 0x1f1e6 && cp <= 0x1f1ff;

export class Typesetter {
  readonly faces = faces();
  readonly words: Words;
  constructor(readonly language: Language) {
    this.words = words(language);
  }

  private face(key: FaceKey): Face {
    return this.faces[key];
  }

  /** Turns spans into characters with their faces; a character no face has becomes `[U+XXXX]`. */
  private chars(spans: Span[], bold: boolean, line: string[], lineSpans: number[]): Char[] {
    const out: Char[] = [];
    line.forEach((text, si) => {
      const spanIndex = lineSpans[si]!;
      const base: FaceKey = bold || spans[spanIndex]!.bold ? 'bold' : 'regular';
      let afterZwj = false;
      for (const ch of text) {
        const cp = ch.codePointAt(0)!;
        const prev = out[out.length - 1];
        const invisible = INVISIBLE.test(ch);
        // The second of two regional indicators makes a flag with the first.
        const flag = isRegional(cp) && prev !== undefined && isRegional(prev.text.codePointAt(0)!) && !prev.attached;
        if (invisible || JOINING.test(ch) || afterZwj || flag) {
          if (prev && covers(this.face(prev.face), cp)) {
            out.push({ text: ch, face: prev.face, span: spanIndex, w: advance(this.face(prev.face), cp), space: false, breakBefore: false, attached: true });
            afterZwj = cp === 0x200d;
            continue;
          }
          afterZwj = false;
          if (invisible) continue;
        }
        const face: FaceKey | null = covers(this.face(base), cp) ? base : covers(this.face('emoji'), cp) ? 'emoji' : null;
        if (face) {
          out.push({ text: ch, face, span: spanIndex, w: advance(this.face(face), cp), space: /\s/.test(ch), breakBefore: false, attached: false });
        } else {
          for (const sub of this.words.missingGlyph(cp)) {
            const scp = sub.codePointAt(0)!;
            out.push({ text: sub, face: base, span: spanIndex, w: advance(this.face(base), scp), space: false, breakBefore: false, attached: false });
          }
        }
      }
    });
    // A cluster drawn as one glyph (ZWJ sequence, flag, keycap) is as wide as that glyph, not as its parts.
    for (let i = 0; i < out.length; ) {
      let e = i + 1;
      while (e < out.length && out[e]!.attached) e++;
      if (e - i > 1) {
        const w = clusterAdvance(this.face(out[i]!.face), out.slice(i, e).map((c) => c.text).join(''));
        out[i]!.w = w;
        for (let k = i + 1; k < e; k++) out[k]!.w = 0;
      }
      i = e;
    }
    // Break opportunities (UAX #14) over the line's text as it will be drawn.
    let text = '';
    const offsets: number[] = [];
    for (const c of out) {
      offsets.push(text.length);
      text += c.text;
    }
    const breaks = new Set<number>();
    const breaker = new LineBreaker(text);
    for (let bk = breaker.nextBreak(); bk; bk = breaker.nextBreak()) breaks.add(bk.position);
    out.forEach((c, i) => {
      c.breakBefore = i > 0 && !c.attached && breaks.has(offsets[i]!);
    });
    return out;
  }

  /** Lays spans out in lines of at most `width` points. Newlines in the text are kept. */
  layout(spans: Span[], width: number, style: TextStyle): Laid {
    const size = style.size;
    const max = width / size;
    const lines: Line[] = [];
    // Split the spans at newlines into hard lines.
    const hard: { texts: string[]; spanIdx: number[] }[] = [{ texts: [], spanIdx: [] }];
    spans.forEach((s, i) => {
      s.text.split('\n').forEach((part, j) => {
        if (j > 0) hard.push({ texts: [], spanIdx: [] });
        const cur = hard[hard.length - 1]!;
        cur.texts.push(part);
        cur.spanIdx.push(i);
      });
    });
    for (const h of hard) {
      const chars = this.chars(spans, style.bold === true, h.texts, h.spanIdx);
      let cur: Char[] = [];
      let curW = 0;
      const push = () => {
        let end = cur.length;
        while (end > 0 && cur[end - 1]!.space) end--;
        const kept = cur.slice(0, end);
        lines.push({ chars: kept, width: kept.reduce((a, c) => a + c.w, 0) * size });
        cur = [];
        curW = 0;
      };
      let i = 0;
      while (i < chars.length) {
        // The word runs from i to the next break opportunity.
        let j = i + 1;
        while (j < chars.length && !chars[j]!.breakBefore) j++;
        const word = chars.slice(i, j);
        let wordW = 0;
        let trimW = 0;
        for (const c of word) {
          wordW += c.w;
          if (!c.space) trimW = wordW;
        }
        if (curW + trimW <= max) {
          // Spaces that open a wrapped line are dropped.
          if (cur.length > 0 || !word.every((c) => c.space)) cur.push(...word);
          curW += cur.length > 0 ? wordW : 0;
        } else {
          if (cur.length > 0) push();
          const lead = word.findIndex((c) => !c.space);
          const body = lead < 0 ? [] : word.slice(lead);
          if (trimW <= max) {
            cur.push(...body);
            curW = body.reduce((a, c) => a + c.w, 0);
          } else {
            // Longer than a line: cut between characters, keeping attached ones with their base.
            for (let k = 0; k < body.length; ) {
              let e = k + 1;
              while (e < body.length && body[e]!.attached) e++;
              const unit = body.slice(k, e);
              const unitW = unit.reduce((a, c) => a + c.w, 0);
              if (curW + unitW > max && cur.length > 0) push();
              cur.push(...unit);
              curW += unitW;
              k = e;
            }
          }
        }
        i = j;
      }
      push();
    }
    return { lines, spans, style, lineHeight: size * style.leading };
  }

  /** Height of the text from `layout`. */
  static height(laid: Laid, from = 0, to = laid.lines.length): number {
    return (to - from) * laid.lineHeight;
  }
}

/** A pdfkit document with a cursor, page breaks and the page footer. */
export class Writer {
  readonly doc: PDFKit.PDFDocument;
  readonly set: Typesetter;
  readonly left = MARGINS.left;
  readonly right = A4.width - MARGINS.right;
  readonly top = MARGINS.top;
  readonly bottom = A4.height - MARGINS.bottom;
  readonly width = this.right - this.left;
  y = MARGINS.top;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<void>;
  /** Called first on every page added by a break (a sign-in sheet's running head). */
  runningHead: (() => void) | null = null;
  /** Called after a page is added by a break (a table repeats its header here). */
  onPage: (() => void) | null = null;

  constructor(language: Language, info: { title: string }) {
    this.set = new Typesetter(language);
    this.doc = new PDFDocument({
      size: 'A4',
      margins: MARGINS,
      bufferPages: true,
      lang: language,
      displayTitle: true,
      info: { Title: info.title, Creator: 'Yishi', Producer: 'Yishi' },
    });
    for (const key of ['regular', 'bold', 'emoji'] as const) this.doc.registerFont(key, this.set.faces[key].buffer);
    this.doc.on('data', (c: Buffer) => this.chunks.push(c));
    this.done = new Promise((resolve, reject) => {
      this.doc.on('end', () => resolve());
      this.doc.on('error', reject);
    });
  }

  get room(): number {
    return this.bottom - this.y;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = this.top;
    this.runningHead?.();
    this.onPage?.();
  }

  /** Starts a new page unless `height` fits below the cursor (or the page is still empty). */
  ensure(height: number): void {
    if (this.y + height > this.bottom + 0.01 && this.y > this.top + 0.01) this.newPage();
  }

  layout(spans: Span[], width: number, style: TextStyle): Laid {
    return this.set.layout(spans, width, style);
  }

  /** Draws one laid line with its top at `y`. */
  drawLine(laid: Laid, index: number, x: number, y: number, width: number): void {
    const line = laid.lines[index]!;
    const { style } = laid;
    const size = style.size;
    const reg = this.set.faces.regular;
    const baseline = y + (laid.lineHeight - (reg.ascent + reg.descent) * size) / 2 + reg.ascent * size;
    let cx = style.align === 'center' ? x + (width - line.width) / 2 : x;
    let k = 0;
    while (k < line.chars.length) {
      const first = line.chars[k]!;
      let e = k + 1;
      while (e < line.chars.length && line.chars[e]!.face === first.face && line.chars[e]!.span === first.span) e++;
      const run = line.chars.slice(k, e);
      const text = run.map((c) => c.text).join('');
      const w = run.reduce((a, c) => a + c.w, 0) * size;
      const span = laid.spans[first.span]!;
      const color = span.href !== null ? LINK : span.muted ? MUTED : (style.color ?? INK);
      // The CJK font has no italic face: italic is drawn slanted. A link is underlined and clickable.
      this.doc
        .font(first.face)
        .fontSize(size)
        .fillColor(color)
        .text(text, cx, baseline, { lineBreak: false, baseline: 'alphabetic', ...(span.italic ? { oblique: 12 } : {}), ...(span.href !== null ? { link: span.href, underline: true } : {}) });
      if (span.struck) {
        const sy = baseline - size * 0.3;
        this.doc.save().lineWidth(Math.max(0.5, size / 18)).strokeColor(color).moveTo(cx, sy).lineTo(cx + w, sy).stroke().restore();
      }
      cx += w;
      k = e;
    }
  }

  /** Flows laid text at the cursor, line by line, breaking pages between lines. `first` draws beside line one (a list marker). */
  flow(laid: Laid, x: number, width: number, first?: (y: number) => void): void {
    laid.lines.forEach((_, i) => {
      this.ensure(laid.lineHeight);
      if (i === 0) first?.(this.y);
      this.drawLine(laid, i, x, this.y, width);
      this.y += laid.lineHeight;
    });
  }

  /** Writes spans as a paragraph across the text width (or from `indent`). */
  paragraph(spans: Span[], style: TextStyle, options: { indent?: number; after?: number; before?: number } = {}): void {
    const indent = options.indent ?? 0;
    const laid = this.layout(spans, this.width - indent, style);
    if (options.before && this.y > this.top) this.y += options.before;
    this.flow(laid, this.left + indent, this.width - indent);
    this.y += options.after ?? 0;
  }

  /**
   * Draws every page's footer (`text` on the left, cut to one line; the page number on the right). `groups`
   * numbers pages within runs of pages (a sign-in sheet per group); by default one run of all pages.
   */
  footer(text: string, groups?: { start: number; count: number }[]): void {
    const range = this.doc.bufferedPageRange();
    const runs = groups ?? [{ start: range.start, count: range.count }];
    const style: TextStyle = { size: 8, leading: 1.3, color: MUTED };
    const y = this.bottom + 8 * MM;
    for (const run of runs) {
      for (let i = 0; i < run.count; i++) {
        this.doc.switchToPage(run.start + i);
        const label = this.layout([plainSpan(pageOf(this.set.words, i + 1, run.count))], this.width, style);
        const labelW = label.lines[0]!.width;
        this.drawLine(label, 0, this.right - labelW, y, labelW);
        const room = this.width - labelW - 16;
        const laid = this.layout([plainSpan(text)], room, style);
        if (laid.lines.length > 1) {
          // One line only: cut it and mark the cut.
          const cut = this.layout([plainSpan(text)], room - 10, style);
          cut.lines = [{ ...cut.lines[0]!, chars: [...cut.lines[0]!.chars, ...this.layout([plainSpan('…')], 20, style).lines[0]!.chars] }];
          this.drawLine(cut, 0, this.left, y, room);
        } else if (laid.lines.length === 1) {
          this.drawLine(laid, 0, this.left, y, room);
        }
        this.doc.save().lineWidth(0.5).strokeColor(RULE).moveTo(this.left, y - 4).lineTo(this.right, y - 4).stroke().restore();
      }
    }
  }

  async end(): Promise<Uint8Array> {
    this.doc.end();
    await this.done;
    const all = Buffer.concat(this.chunks);
    return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  }
}

export const plainSpan = (text: string, bold = false): Span => ({ text, bold, struck: false, muted: false, italic: false, href: null });
