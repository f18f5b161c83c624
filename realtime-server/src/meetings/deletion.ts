import { CLOSE_REASONS, protocolError } from '@yishi/protocol';
import type { Store } from '@yishi/store';
import type { Logger } from '../logger.ts';
import { rooms, type SocketServer } from '../realtime/socketServer.ts';
import type { DocRelay, YjsServer } from '../yjs/yjsServer.ts';
import type { MeetingService } from './meetingService.ts';

export interface MeetingDeletionDeps {
  store: Store;
  meetings: MeetingService;
  log: Logger;
  sockets: () => SocketServer | null;
  yjs: () => YjsServer | null;
  relay: DocRelay | null;
}

/**
 * Deletes a meeting with all its personal data, on every node.
 *
 * The store goes first: its tokens are gone, so from that moment no socket, /yjs connection or
 * download link of the meeting authenticates on any node. Then the meeting's sockets are told why and
 * disconnected (the Socket.IO adapter reaches every node), its open documents are closed and dropped
 * unsaved here, the other nodes are told to do the same and to forget the meeting (the relay's control
 * channel), and the cached state is forgotten. A document update or command already on its way when
 * the store was emptied could write a key back, so the store is swept once more after the documents
 * are closed, here and on each node that had any open.
 */
export class MeetingDeletion {
  constructor(private readonly deps: MeetingDeletionDeps) {
    deps.relay?.onControl?.((message) => {
      if (message.kind === 'deleted') void this.forgetHere(message.meetingId, false);
    });
  }

  async delete(meetingId: string): Promise<boolean> {
    const existed = await this.deps.store.deleteMeeting(meetingId);
    const io = this.deps.sockets()?.io;
    if (io) {
      const room = rooms.meeting(meetingId);
      io.to(room).emit('closing', { reason: CLOSE_REASONS.deleted, error: protocolError('not_found', 'this meeting was deleted') });
      io.in(room).disconnectSockets(true);
    }
    this.deps.relay?.publishControl?.({ kind: 'deleted', meetingId });
    await this.forgetHere(meetingId, true);
    this.deps.log.info({ meetingId }, 'meeting deleted');
    return existed;
  }

  /** Closes the meeting's documents on this node, forgets its state, and sweeps what a late write put back. */
  private async forgetHere(meetingId: string, sweep: boolean): Promise<void> {
    try {
      const hadDocs = (await this.deps.yjs()?.forgetMeeting(meetingId)) ?? false;
      this.deps.meetings.forget(meetingId);
      if (sweep || hadDocs) await this.deps.store.deleteMeeting(meetingId);
    } catch (err) {
      this.deps.log.error({ err, meetingId }, 'could not finish deleting a meeting on this node');
    }
  }
}
