/** What the QR encodes and the board shows: the join page reads the meeting's title and groups from the server. */
export function joinUrl(publicUrl: string, joinCode: string): string {
  return `${publicUrl}/join/${joinCode}`;
}
