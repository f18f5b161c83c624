import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/** Test helpers over real tools: poppler-utils (pdftotext, pdffonts, pdftoppm) and an unzip of the DOCX. */

const dir = mkdtempSync(join(tmpdir(), 'yishi-export-'));
let n = 0;

export function writeTemp(bytes: Uint8Array, ext: string): string {
  const path = join(dir, `f${++n}.${ext}`);
  writeFileSync(path, bytes);
  return path;
}

export const pdftotext = (path: string, ...args: string[]): string => execFileSync('pdftotext', [...args, path, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
export const pdffonts = (path: string): string => execFileSync('pdffonts', [path], { encoding: 'utf8' });

export interface Word {
  text: string;
  page: number;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** Every word pdftotext finds with its box, and each page's size. */
export function words(path: string): { pages: { width: number; height: number }[]; words: Word[] } {
  const html = pdftotext(path, '-bbox');
  const pages: { width: number; height: number }[] = [];
  const found: Word[] = [];
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  for (const part of html.split('<page ').slice(1)) {
    const [, width, height] = /width="([\d.]+)" height="([\d.]+)"/.exec(part)!;
    pages.push({ width: Number(width), height: Number(height) });
    for (const m of part.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
      found.push({ page: pages.length, xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]), text: decode(m[5]!) });
    }
  }
  return { pages, words: found };
}

/** The text of word/document.xml (every <w:t>, in order), and the XML itself. */
export function docxText(bytes: Uint8Array): { xml: string; text: string } {
  const files = unzipSync(bytes);
  const xml = strFromU8(files['word/document.xml']!);
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const text = [...xml.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => decode(m[1]!)).join('');
  return { xml, text };
}

/** Asserts each expected string occurs in `text`, in this order; returns the first one missing or out of order. */
export function firstOutOfOrder(text: string, expected: string[]): string | null {
  let at = 0;
  for (const e of expected) {
    const i = text.indexOf(e, at);
    if (i < 0) return e;
    at = i + e.length;
  }
  return null;
}

export const squash = (s: string): string => s.replace(/\s+/g, '');

/** Renders a PDF page to PNG and decodes the QR code on it. */
export function decodeQr(pdfPath: string, page: number): string | null {
  const prefix = join(dir, `qr${++n}`);
  execFileSync('pdftoppm', ['-png', '-r', '100', '-f', String(page), '-l', String(page), '-singlefile', pdfPath, prefix]);
  const png = PNG.sync.read(readFileSync(`${prefix}.png`));
  return jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height)?.data ?? null;
}

/** A zip's files (a DOCX, the Markdown bundle), by name, and a file's bytes as UTF-8 text. */
export const unzip = (bytes: Uint8Array): Record<string, Uint8Array> => unzipSync(bytes);
export const utf8 = (bytes: Uint8Array): string => strFromU8(bytes);
