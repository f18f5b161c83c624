import { renderAsync } from '@resvg/resvg-js';
import { FONT_FILES } from '../pdf/fonts.ts';

/*
 * An SVG of ours as a PNG, on the server, without a browser: resvg (Rust, a prebuilt binary from npm)
 * with only the fonts the PDF embeds (Noto Sans SC regular and bold, Noto Emoji) and no system fonts, so
 * the picture is the same on every machine and its Chinese labels are drawn [D36]. The DOCX carries it
 * as the fallback of its SVG picture, for Word processors that cannot show SVG.
 */

/** At most this many pixels across (a page is about 620 px wide at 96 dpi: twice that, for print). */
const MAX_WIDTH = 2000;
/** And at most this many pixels in all (a very tall diagram is drawn smaller, not huge). */
const MAX_PIXELS = 8_000_000;

/** Off the main thread (resvg's own thread pool): reading the CJK font takes a moment, and the server's event loop goes on meanwhile. */
export async function svgToPng(svg: string, width: number, height: number): Promise<Uint8Array> {
  let zoom = Math.min(MAX_WIDTH / Math.max(width, 1), 2);
  zoom = Math.min(zoom, Math.sqrt(MAX_PIXELS / Math.max(width * height * zoom * zoom, 1)) * zoom);
  const rendered = await renderAsync(svg, {
    font: { fontFiles: [FONT_FILES.regular, FONT_FILES.bold, FONT_FILES.emoji], loadSystemFonts: false, defaultFontFamily: 'Noto Sans SC' },
    fitTo: { mode: 'zoom', value: Math.max(zoom, 0.05) },
    background: '#ffffff'
  });
  const png = rendered.asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
