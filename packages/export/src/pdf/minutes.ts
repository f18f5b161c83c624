import type { Block, Inline, RecordDocument } from '../model.ts';
import { clean, listMarker, span, withTitle, type Span } from '../text.ts';
import { drawQr } from '../qr.ts';
import { INK, MUTED, RULE, plainSpan, Writer, type TextStyle } from './layout.ts';
import { drawTable } from './table.ts';
import { diagramGeometry } from '../diagram/geometry.ts';
import { drawDiagram } from '../diagram/pdf.ts';

const BODY: TextStyle = { size: 10.5, leading: 1.6 };
const CELL: TextStyle = { size: 9.5, leading: 1.45 };
const NOTE: TextStyle = { size: 9, leading: 1.5, color: MUTED };
const HEADING: Record<1 | 2 | 3, TextStyle> = {
  1: { size: 19, leading: 1.4, bold: true, align: 'center' },
  2: { size: 14, leading: 1.4, bold: true },
  3: { size: 12, leading: 1.45, bold: true },
};

const spans = (list: Inline[]): Span[] => list.map(span);
const text = (s: string, bold = false): Span[] => [plainSpan(clean(s), bold)];

function block(w: Writer, b: Block): void {
  const words = w.set.words;
  switch (b.kind) {
    case 'heading': {
      const style = HEADING[b.level];
      const laid = w.layout(text(b.text), w.width, style);
      const before = b.level === 1 ? 0 : b.level === 2 ? 14 : 8;
      // A heading keeps two lines of what follows on its page.
      if (w.y > w.top) w.y += before;
      w.ensure(laid.lines.length * laid.lineHeight + 2 * BODY.size * BODY.leading);
      w.flow(laid, w.left, w.width);
      if (b.level === 2) w.doc.save().lineWidth(0.6).strokeColor(RULE).moveTo(w.left, w.y + 1).lineTo(w.right, w.y + 1).stroke().restore();
      w.y += b.level === 1 ? 12 : 6;
      return;
    }
    case 'paragraph':
      w.paragraph(spans(b.inlines), BODY, { after: 6 });
      return;
    case 'fields': {
      const labels = b.rows.map((r) => `${clean(r.label)}${words.colon}`);
      const longest = Math.max(0, ...labels.map((l) => w.layout(text(l, true), 1e6, BODY).lines[0]?.width ?? 0));
      const labelShare = Math.min(Math.max(longest + 6, 40), w.width * 0.32);
      drawTable(w, {
        header: null,
        rows: b.rows.map((r, i) => [text(labels[i]!, true), text(r.value)]),
        widths: [labelShare, w.width - labelShare],
        style: BODY,
        borders: false,
        pad: 1,
      });
      w.y += 8;
      return;
    }
    case 'table': {
      const cols = Math.max(b.header.length, ...b.rows.map((r) => r.length), 1);
      drawTable(w, {
        header: Array.from({ length: cols }, (_, i) => text(b.header[i] ?? '', true)),
        rows: b.rows.map((r) => r.map(spans)),
        widths: Array.from({ length: cols }, (_, i) => Math.max(b.widths?.[i] ?? 1, 0.01)),
        style: CELL,
        borders: true,
        pad: 4,
      });
      w.y += 10;
      return;
    }
    case 'list': {
      const step = 18;
      b.items.forEach((item, i) => {
        const { marker, depth } = listMarker(b, i);
        const left = w.left + depth * step;
        const bulleted = marker === '•';
        const indent = bulleted || marker === '' ? 14 : Math.max(22, w.layout(text(marker), 1e6, BODY).lines[0]!.width + 6);
        const room = w.width - depth * step - indent;
        const laid = w.layout(spans(item), room, BODY);
        const mark = w.layout(text(marker), indent, BODY);
        // A bullet is drawn, not typed: U+2022 shares its glyph with `·` in Noto Sans SC, and a PDF maps one glyph to one character.
        const bullet = (y: number) => w.doc.save().circle(left + 3.5, y + mark.lineHeight / 2, BODY.size * 0.16).fill(INK).restore();
        w.flow(laid, left + indent, room, (y) => (bulleted ? bullet(y) : marker !== '' ? w.drawLine(mark, 0, left, y, indent) : undefined));
      });
      w.y += 6;
      return;
    }
    case 'note':
      w.paragraph(text(b.text), NOTE, { after: 6 });
      return;
    case 'signatures': {
      const nameW = w.width * 0.4;
      const signX = w.left + nameW;
      const signW = w.width * 0.36;
      const dateX = signX + signW + 8;
      for (const r of b.rows) {
        const who = w.layout([plainSpan(`${clean(r.role)}${words.colon}`, true), plainSpan(clean(r.name))], nameW - 10, BODY);
        const rowH = Math.max(who.lines.length * who.lineHeight, 30);
        w.ensure(rowH + 10);
        w.y += 10;
        const lineY = w.y + rowH - who.lineHeight;
        who.lines.forEach((_, k) => w.drawLine(who, k, w.left, lineY - (who.lines.length - 1 - k) * who.lineHeight, nameW - 10));
        const sign = w.layout(text(`${words.signature}${words.colon}`), signW, BODY);
        const date = w.layout(text(`${clean(b.dateLabel)}${words.colon}`), w.right - dateX, BODY);
        w.drawLine(sign, 0, signX, lineY, signW);
        w.drawLine(date, 0, dateX, lineY, w.right - dateX);
        const ruleY = lineY + who.lineHeight - 3;
        w.doc
          .save()
          .lineWidth(0.7)
          .strokeColor('#333333')
          .moveTo(signX + sign.lines[0]!.width + 2, ruleY)
          .lineTo(signX + signW, ruleY)
          .moveTo(dateX + (date.lines[0]?.width ?? 0) + 2, ruleY)
          .lineTo(w.right, ruleY)
          .stroke()
          .restore();
        w.y += rowH;
      }
      w.y += 12;
      return;
    }
    case 'diagram': {
      const g = diagramGeometry(b.diagram, w.set.language);
      if (w.y > w.top) w.y += 6;
      if (g) drawDiagram(w, g);
      w.paragraph(text(b.caption), { ...NOTE, align: 'center' }, { before: 4, after: 10 });
      return;
    }
    case 'verify': {
      const pad = 8;
      const qr = 92;
      const textW = w.width - qr - 3 * pad;
      const small: TextStyle = { size: 8.5, leading: 1.45 };
      const parts = [
        w.layout(text(b.label, true), textW, { ...BODY, bold: true }),
        w.layout(text(b.text), textW, NOTE),
        w.layout([plainSpan(`${words.entry}${words.colon}`, true), plainSpan(String(b.seq))], textW, small),
        w.layout([plainSpan(`${words.hash}${words.colon}`, true), plainSpan(clean(b.hash))], textW, small),
        w.layout([plainSpan(`${words.address}${words.colon}`, true), plainSpan(clean(b.url))], textW, small),
      ];
      const textH = parts.reduce((a, l) => a + l.lines.length * l.lineHeight, 0);
      const boxH = Math.max(textH, qr) + 2 * pad;
      if (w.y > w.top) w.y += 10;
      if (boxH <= w.bottom - w.top) {
        w.ensure(boxH);
        const top = w.y;
        w.doc.save().lineWidth(0.8).strokeColor(RULE).rect(w.left, top, w.width, boxH).stroke().restore();
        let y = top + pad;
        for (const laid of parts) {
          laid.lines.forEach((_, k) => w.drawLine(laid, k, w.left + pad, y + k * laid.lineHeight, textW));
          y += laid.lines.length * laid.lineHeight;
        }
        drawQr(w.doc, clean(b.url), w.right - pad - qr, top + pad, qr);
        w.y = top + boxH;
      } else {
        // Too long for one page (hostile text): no box, the lines flow and the code follows.
        for (const laid of parts) w.flow(laid, w.left, textW);
        w.ensure(qr);
        drawQr(w.doc, clean(b.url), w.left, w.y, qr);
        w.y += qr;
      }
      w.y += 10;
      return;
    }
  }
}

/** The minutes (or any record document) as an A4 PDF with the CJK font embedded and subset. */
export async function renderPdf(doc: RecordDocument): Promise<Uint8Array> {
  const w = new Writer(doc.language, { title: clean(doc.title) });
  for (const b of withTitle(doc)) block(w, b);
  w.footer(clean(doc.footer));
  return w.end();
}
