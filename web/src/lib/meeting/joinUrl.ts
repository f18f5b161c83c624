import { DEFAULT_GROUPS } from '@yishi/protocol';

/** What the QR encodes. A meeting with its own stakeholder groups carries them, so the join page can offer them. */
export function joinUrl(publicUrl: string, joinCode: string, groups: readonly string[]): string {
  const base = `${publicUrl}/join/${joinCode}`;
  const isDefault = groups.length === DEFAULT_GROUPS.length && groups.every((g, i) => g === DEFAULT_GROUPS[i]);
  return isDefault ? base : `${base}?g=${encodeURIComponent(groups.join(','))}`;
}
