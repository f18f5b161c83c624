import { PMap, type MeetingState } from '@yishi/domain';
import type { Actor } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { docRight } from '../../realtime-server/src/yjs/rights.ts';

/** Only what docRight reads of a meeting: whether it ended, and its participants. */
const meeting = (ended: boolean) =>
  ({
    ended,
    participants: PMap.fromRecord({
      p1: { id: 'p1', removed: false },
      p2: { id: 'p2', removed: true }
    })
  }) as unknown as MeetingState;

describe('docRight: what a connection may do with a meeting\'s documents', () => {
  const cases: [Actor, boolean, 'none' | 'read' | 'write'][] = [
    [{ role: 'facilitator' }, false, 'write'],
    [{ role: 'facilitator' }, true, 'write'],
    [{ role: 'secretary' }, false, 'write'],
    [{ role: 'secretary' }, true, 'write'],
    [{ role: 'board' }, false, 'read'],
    [{ role: 'board' }, true, 'read'],
    [{ role: 'participant', participantId: 'p1' }, false, 'write'],
    [{ role: 'participant', participantId: 'p1' }, true, 'read'],
    [{ role: 'participant', participantId: 'p2' }, false, 'none'],
    [{ role: 'participant', participantId: 'p2' }, true, 'none'],
    [{ role: 'participant', participantId: 'unknown' }, false, 'none'],
    [{ role: 'system' }, false, 'none']
  ];
  it.each(cases)('%o, ended %s: %s', (actor, ended, right) => {
    expect(docRight(actor, meeting(ended))).toBe(right);
  });
  it('a meeting that cannot be loaded opens nothing', () => {
    expect(docRight({ role: 'facilitator' }, null)).toBe('none');
  });
});
