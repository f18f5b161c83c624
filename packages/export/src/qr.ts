import QRCode from 'qrcode';

/** The dark modules of a QR code for `text`, as a square matrix (true = dark). Medium error correction. */
export function qrMatrix(text: string): boolean[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return Array.from({ length: modules.size }, (_, r) => Array.from({ length: modules.size }, (_, c) => modules.get(r, c) === 1));
}

/** Draws the matrix as vector squares (one rectangle per horizontal run) at x, y in a square of `size` points, quiet zone included. */
export function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): number {
  const m = qrMatrix(text);
  const quiet = 4;
  const unit = size / (m.length + 2 * quiet);
  doc.save().rect(x, y, size, size).fill('#ffffff');
  m.forEach((row, r) => {
    for (let c = 0; c < row.length; ) {
      if (!row[c]) {
        c++;
        continue;
      }
      let e = c;
      while (e < row.length && row[e]) e++;
      // A hair of overlap so the squares print as one area, with no hairline seams between them.
      doc.rect(x + (quiet + c) * unit, y + (quiet + r) * unit, (e - c) * unit + 0.05, unit + 0.05);
      c = e;
    }
  });
  doc.fill('#000000').restore();
  return m.length;
}
