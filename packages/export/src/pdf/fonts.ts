/// <reference path="../vendor.d.ts" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';

/*
 * The fonts the PDFs embed, read once per process. Noto Sans SC (static TTFs from the npm package
 * `@expo-google-fonts/noto-sans-sc`, regular and bold) draws Chinese, Latin and most symbols; monochrome
 * Noto Emoji (`@expo-google-fonts/noto-emoji`) draws what Noto Sans SC has no glyph for. pdfkit subsets
 * both to the glyphs a document uses. Coming from npm, they arrive with `pnpm install`.
 */

export type FaceKey = 'regular' | 'bold' | 'emoji';

export interface Face {
  key: FaceKey;
  path: string;
  buffer: Buffer;
  font: fontkit.Font;
  /** Above and below the baseline, in ems. */
  ascent: number;
  descent: number;
  /** Advance width in ems per code point, filled as text is measured. */
  widths: Map<number, number>;
  covers: Map<number, boolean>;
  /** Shaped widths in ems of multi-character clusters (an emoji ZWJ sequence or flag is one glyph). */
  clusters: Map<string, number>;
}

const require = createRequire(import.meta.url);

export const FONT_FILES: Record<FaceKey, string> = {
  regular: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'),
  emoji: require.resolve('@expo-google-fonts/noto-emoji/400Regular/NotoEmoji_400Regular.ttf'),
};

let loaded: Record<FaceKey, Face> | null = null;

function load(key: FaceKey): Face {
  const path = FONT_FILES[key];
  const buffer = readFileSync(path);
  const font = fontkit.create(buffer);
  return { key, path, buffer, font, ascent: font.ascent / font.unitsPerEm, descent: -font.descent / font.unitsPerEm, widths: new Map(), covers: new Map(), clusters: new Map() };
}

export function faces(): Record<FaceKey, Face> {
  loaded ??= { regular: load('regular'), bold: load('bold'), emoji: load('emoji') };
  return loaded;
}

export function covers(face: Face, cp: number): boolean {
  let has = face.covers.get(cp);
  if (has === undefined) {
    has = face.font.hasGlyphForCodePoint(cp);
    face.covers.set(cp, has);
  }
  return has;
}

/** The advance of a code point in ems (shaping ignored: kerning only narrows, so lines never overrun). */
export function advance(face: Face, cp: number): number {
  let w = face.widths.get(cp);
  if (w === undefined) {
    w = face.font.glyphForCodePoint(cp).advanceWidth / face.font.unitsPerEm;
    face.widths.set(cp, w);
  }
  return w;
}

/** The shaped advance of a cluster in ems. */
export function clusterAdvance(face: Face, text: string): number {
  let w = face.clusters.get(text);
  if (w === undefined) {
    w = face.font.layout(text).advanceWidth / face.font.unitsPerEm;
    face.clusters.set(text, w);
  }
  return w;
}
