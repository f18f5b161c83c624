import type { Language } from '../model.ts';
import { clean } from '../text.ts';
import { drawQr } from '../qr.ts';
import { A4, MUTED, plainSpan, Writer, type TextStyle } from './layout.ts';
import { drawTable } from './table.ts';

export interface PosterInput {
  title: string;
  /** The 6-digit meeting code. */
  joinCode: string;
  /** Where a phone joins, `https://…/join/123456`; the QR code holds it. */
  joinUrl: string;
  language: Language;
  /** One more line under the instructions (the Wi-Fi, the room). */
  hint?: string;
}

/** The door poster: title, a large QR code of the join address, the code in very large figures, the address and three steps. */
export async function renderPoster(input: PosterInput): Promise<Uint8Array> {
  const w = new Writer(input.language, { title: clean(input.title) });
  const words = w.set.words.poster;
  const center = (s: string, style: TextStyle, bold = false) => w.layout([plainSpan(clean(s), bold)], w.width, { align: 'center', ...style });

  // The title shrinks until it takes at most three lines.
  let titleSize = 32;
  let title = center(input.title, { size: titleSize, leading: 1.3, bold: true });
  while (title.lines.length > 3 && titleSize > 18) {
    titleSize -= 2;
    title = center(input.title, { size: titleSize, leading: 1.3, bold: true });
  }
  if (title.lines.length > 3) title.lines = title.lines.slice(0, 3);
  const scan = center(words.scan, { size: 18, leading: 1.4, bold: true });
  const codeLabel = center(words.code, { size: 16, leading: 1.3, color: MUTED });
  const code = clean(input.joinCode);
  const codeSize = 84;
  const url = center(input.joinUrl, { size: 14, leading: 1.4 });
  let origin = input.joinUrl;
  try {
    origin = new URL(input.joinUrl).host;
  } catch {
    // Not a URL: show it as given.
  }
  const orOpen = center(words.orOpen(origin), { size: 13, leading: 1.4, color: MUTED });
  const steps = words.steps.map((s, i) => w.layout([plainSpan(`${i + 1}. ${s}`)], w.width - 60, { size: 14, leading: 1.5 }));
  const hint = input.hint ? center(input.hint, { size: 13, leading: 1.4, color: MUTED }) : null;

  const h = (l: { lines: unknown[]; lineHeight: number } | null) => (l ? l.lines.length * l.lineHeight : 0);
  const gaps = 16 + 8 + 14 + 4 + 2 + 14 + 10;
  const fixed = h(title) + h(scan) + h(codeLabel) + codeSize + 12 + h(url) + h(orOpen) + steps.reduce((a, s) => a + h(s), 0) + h(hint) + gaps;
  const qr = Math.max(120, Math.min(330, w.bottom - w.top - fixed));
  // What is left over goes above the title, so the poster sits in the middle of the sheet.
  w.y += Math.max(0, (w.bottom - w.top - fixed - qr) / 2);

  const flowAll = (laid: ReturnType<typeof center>) => laid.lines.forEach((_, k) => (w.drawLine(laid, k, w.left, w.y, w.width), (w.y += laid.lineHeight)));
  flowAll(title);
  w.y += 16;
  flowAll(scan);
  w.y += 8;
  drawQr(w.doc, clean(input.joinUrl), w.left + (w.width - qr) / 2, w.y, qr);
  w.y += qr + 14;
  flowAll(codeLabel);
  w.y += 4;
  // The code: very large, spaced figures, centred.
  const spacing = codeSize * 0.12;
  const codeW = w.doc.font('bold').fontSize(codeSize).widthOfString(code) + spacing * Math.max(0, [...code].length - 1);
  // Figures reach about 0.73 em above the baseline: the baseline sits so their tops meet the cursor.
  w.doc.fillColor('#000000').text(code, A4.width / 2 - codeW / 2, w.y + codeSize * 0.8, { lineBreak: false, characterSpacing: spacing, baseline: 'alphabetic' });
  w.y += codeSize + 12;
  flowAll(url);
  flowAll(orOpen);
  w.y += 14;
  const stepsW = Math.max(...steps.map((s) => Math.max(...s.lines.map((l) => l.width))));
  const stepsX = w.left + Math.max(0, (w.width - stepsW) / 2);
  for (const s of steps) s.lines.forEach((_, k) => (w.drawLine(s, k, stepsX, w.y, w.width - 60), (w.y += s.lineHeight)));
  w.y += 10;
  if (hint) flowAll(hint);
  return w.end();
}

export interface SignInInput {
  title: string;
  /** The meeting's date as it should print, in the meeting's language. */
  date: string;
  /** Empty rows per group (at least one page's worth is drawn when the count is smaller). */
  rows: number;
  language: Language;
}

const ROW_HEIGHT = 30;

/** Sign-in sheets for people without a phone: one or more pages per stakeholder group, numbered within the group. */
export async function renderSignInSheets(input: SignInInput & { groups: string[] }): Promise<Uint8Array> {
  const w = new Writer(input.language, { title: clean(input.title) });
  const words = w.set.words.signIn;
  const runs: { start: number; count: number }[] = [];
  const groups = input.groups.length > 0 ? input.groups : [''];
  groups.forEach((group, gi) => {
    if (gi > 0) w.newPage();
    const start = w.doc.bufferedPageRange().start + w.doc.bufferedPageRange().count - 1;
    const heading = (first: boolean) => {
      const title = w.layout([plainSpan(clean(input.title), true)], w.width, { size: first ? 16 : 11, leading: 1.4, bold: true, align: 'center' });
      title.lines.forEach((_, k) => (w.drawLine(title, k, w.left, w.y, w.width), (w.y += title.lineHeight)));
      const colon = w.set.words.colon;
      const sub = w.layout(
        [plainSpan(`${words.heading}　${words.group}${colon}${clean(group)}　${words.date}${colon}${clean(input.date)}`)],
        w.width,
        { size: first ? 12 : 10, leading: 1.5, align: 'center', color: first ? '#111111' : MUTED }
      );
      sub.lines.forEach((_, k) => (w.drawLine(sub, k, w.left, w.y, w.width), (w.y += sub.lineHeight)));
      w.y += first ? 12 : 6;
    };
    heading(true);
    const [no, name, contact, sign] = words.columns;
    const rows = Math.max(1, Math.floor(input.rows));
    w.runningHead = () => heading(false);
    drawTable(w, {
      header: [[plainSpan(no, true)], [plainSpan(name, true)], [plainSpan(contact, true)], [plainSpan(sign, true)]],
      rows: Array.from({ length: rows }, (_, i) => [[plainSpan(String(i + 1))], [], [], []]),
      widths: [8, 28, 34, 30],
      style: { size: 11, leading: 1.4 },
      headStyle: { size: 11, leading: 1.4, bold: true },
      borders: true,
      pad: 5,
      minRow: ROW_HEIGHT,
    });
    w.runningHead = null;
    const range = w.doc.bufferedPageRange();
    runs.push({ start, count: range.start + range.count - start });
  });
  w.footer(clean(input.title), runs);
  return w.end();
}

/** A single group's sheet. */
export const renderSignInSheet = (input: SignInInput & { group: string }): Promise<Uint8Array> =>
  renderSignInSheets({ ...input, groups: [input.group] });
