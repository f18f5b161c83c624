import type { BoardSignal } from '@yishi/protocol';
import type { MeetingConnection } from './connection.svelte';

/**
 * The facilitator turns the board's pages from the console; the board says which page it shows. The
 * server relays these signals between the two (they may be different machines: the console on the
 * facilitator's laptop, the board on the projector's), and stores nothing. A presenter clicker on the
 * board's own machine turns pages too (← →, PageUp/PageDown).
 */
export type BoardPagingMessage = BoardSignal;

export interface BoardPagingChannel {
  post(message: BoardPagingMessage): void;
  close(): void;
}

export function openBoardPaging(connection: MeetingConnection | null, onMessage: (message: BoardPagingMessage) => void): BoardPagingChannel {
  if (!connection) return { post() {}, close() {} };
  const off = connection.onBoardSignal(onMessage);
  return { post: (message) => connection.boardSignal(message), close: off };
}
