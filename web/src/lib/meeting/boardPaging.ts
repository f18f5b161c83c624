/**
 * The facilitator turns the board's pages from the console when both run in the same browser on the
 * projector laptop (the usual hall set-up: console on the laptop screen, board on the projector). A
 * BroadcastChannel carries it: no server round trip, and it works on a plain-HTTP LAN page. A board on
 * another machine is turned with its own keys (← →, PageUp/PageDown: what a presenter clicker sends).
 */
export type BoardPagingMessage =
  | { type: 'turn'; delta: 1 | -1 }
  | { type: 'auto'; on: boolean }
  | { type: 'hello' }
  | { type: 'state'; page: number; pages: number; auto: boolean };

export interface BoardPagingChannel {
  post(message: BoardPagingMessage): void;
  close(): void;
}

export function openBoardPaging(meetingId: string, onMessage: (message: BoardPagingMessage) => void): BoardPagingChannel {
  // Some in-app browsers have no BroadcastChannel: paging then stays with the board's own keys.
  if (typeof BroadcastChannel === 'undefined') return { post() {}, close() {} };
  const channel = new BroadcastChannel(`yishi:board-paging:${meetingId}`);
  channel.onmessage = (event: MessageEvent<BoardPagingMessage>) => onMessage(event.data);
  return {
    post: (message) => channel.postMessage(message),
    close: () => channel.close()
  };
}
