import type { Span } from '../text.ts';
import { Typesetter, RULE, type Laid, type TextStyle, type Writer } from './layout.ts';

export interface TableOptions {
  /** Column heads, repeated at the top of every page the table runs onto; none for a borderless grid (fields). */
  header: Span[][] | null;
  rows: Span[][][];
  /** Relative column widths. */
  widths: number[];
  style: TextStyle;
  headStyle?: TextStyle;
  borders: boolean;
  /** Inner padding in points. */
  pad: number;
  /** The least height of a body row (sign-in sheets leave room to write by hand). */
  minRow?: number;
}

/**
 * Draws a table at the cursor. Rows that do not fit go to the next page under a repeated header; a row
 * taller than a page is split between lines of its cells, so no text is ever cut or drawn off the page.
 */
export function drawTable(w: Writer, t: TableOptions): void {
  const cols = t.widths.length;
  const total = t.widths.reduce((a, b) => a + b, 0);
  const colW = t.widths.map((x) => (x / total) * w.width);
  const colX = colW.map((_, i) => w.left + colW.slice(0, i).reduce((a, b) => a + b, 0));
  const headStyle = t.headStyle ?? { ...t.style, bold: true };
  const layRow = (cells: Span[][], style: TextStyle): Laid[] =>
    Array.from({ length: cols }, (_, i) => w.layout(cells[i] ?? [], colW[i]! - 2 * t.pad, style));
  const head = t.header ? layRow(t.header, headStyle) : null;
  const headH = head ? Math.max(...head.map((l) => Typesetter.height(l))) + 2 * t.pad : 0;
  const lineH = t.style.size * t.style.leading;

  const frame = (y: number, h: number, fill?: string) => {
    if (fill) w.doc.save().rect(w.left, y, w.width, h).fill(fill).restore();
    if (!t.borders) return;
    w.doc.save().lineWidth(0.6).strokeColor(RULE);
    for (let i = 0; i < cols; i++) w.doc.rect(colX[i]!, y, colW[i]!, h);
    w.doc.stroke().restore();
  };
  const drawHead = () => {
    if (!head) return;
    frame(w.y, headH, '#ececec');
    head.forEach((laid, i) => laid.lines.forEach((_, k) => w.drawLine(laid, k, colX[i]! + t.pad, w.y + t.pad + k * laid.lineHeight, colW[i]! - 2 * t.pad)));
    w.y += headH;
  };

  // The header and one line of the first row stay together.
  w.ensure(headH + lineH + 2 * t.pad);
  w.onPage = drawHead;
  drawHead();
  for (const row of t.rows) {
    const cells = layRow(row, t.style);
    const lines = Math.max(1, ...cells.map((c) => c.lines.length));
    const fullH = Math.max(lines * lineH + 2 * t.pad, t.minRow ?? 0);
    if (w.room < fullH && fullH <= w.bottom - w.top - headH) w.newPage();
    let from = 0;
    while (from < lines || from === 0) {
      let take = Math.min(lines - from, Math.floor((w.room - 2 * t.pad) / lineH));
      if (take < 1 && w.y > w.top + headH + 0.01) {
        w.newPage();
        continue;
      }
      take = Math.max(take, 1);
      const h = from === 0 && from + take >= lines ? fullH : take * lineH + 2 * t.pad;
      frame(w.y, h);
      cells.forEach((laid, i) => {
        for (let k = from; k < Math.min(from + take, laid.lines.length); k++) {
          w.drawLine(laid, k, colX[i]! + t.pad, w.y + t.pad + (k - from) * lineH, colW[i]! - 2 * t.pad);
        }
      });
      w.y += h;
      from += take;
      if (from < lines) w.newPage();
    }
  }
  w.onPage = null;
}
