/**
 * The path of a request target, or null when the target does not parse (`//[`, `http://[::1`, …).
 * Node's parser hands such targets on as they came, and `new URL` throws on them: every handler
 * reads the path through here so a malformed target is a 400, never an exception.
 */
export function requestPath(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

/** `decodeURIComponent` that answers null instead of throwing on bad percent-encoding (`%`, `%FF`, `%E0%A4%A`). */
export function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
