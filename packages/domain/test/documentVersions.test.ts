import type { Actor } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { commandResult, documentRight, projectEvent, projectState, type Audience, type ServerCommand } from '../src/index.ts';
import { BOARD, cmd, FACILITATOR, MeetingHarness, participant, SECRETARY, SYSTEM } from './harness.ts';

const view = (participantId: string): Audience => ({ role: 'participant', participantId, breakoutGroup: null });
const HASH = 'ab'.repeat(32);

/** ann1 and bob2 in the meeting; a charter only ann1 edits (named set). */
function meeting() {
  const h = MeetingHarness.created(['居民', '商户']);
  for (const p of ['ann1', 'bob2']) h.join(p);
  const d = h.must(cmd({ type: 'document.create', kind: 'charter', title: '章程', access: 'named', editors: ['ann1'] }), FACILITATOR);
  const docId = commandResult('document.create', d.events)!.docId as string;
  return { h, docId };
}

const record = (docId: string, versionId: string, name = '章程 v3 征求意见稿'): ServerCommand => ({
  type: 'document.version.record',
  commandId: `cmd-${versionId}`,
  docId,
  name,
  versionId,
  contentHash: HASH,
  bytes: 812
});

describe('named versions [D22]', () => {
  it('[D22] whoever may write the document records a version; the ack carries its id; the document lists it with its hash, size, time and role', () => {
    const { h, docId } = meeting();
    const saved = h.must(record(docId, 'ver00001'), participant('ann1'));
    expect(commandResult('document.version.record', saved.events)).toEqual({ versionId: 'ver00001' });
    h.must(record(docId, 'ver00002'), SECRETARY);
    expect(h.current.documents.get(docId)!.versions).toMatchObject([
      { id: 'ver00001', name: '章程 v3 征求意见稿', contentHash: HASH, bytes: 812, by: 'participant' },
      { id: 'ver00002', name: '章程 v3 征求意见稿', by: 'secretary' }
    ]);
    // The same id twice is a conflict, not a second version.
    expect(h.run(record(docId, 'ver00001'), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('[D22] who may not write it may not save a version: a reader, the board, the system, a removed participant; an unknown document is not_found', () => {
    const { h, docId } = meeting();
    for (const actor of [participant('bob2'), BOARD, SYSTEM] as Actor[]) {
      expect(documentRight(h.current, actor, docId)).not.toBe('write');
      expect(h.run(record(docId, 'ver00009'), actor)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(h.run(cmd({ type: 'document.version.save', docId, name: 'v' }), actor)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(h.run(record('nosuchdoc', 'ver00009'), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    h.must(cmd({ type: 'participant.remove', participantId: 'ann1' }), FACILITATOR);
    expect(h.run(record(docId, 'ver00009'), participant('ann1'))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(h.current.documents.get(docId)!.versions).toEqual([]);
  });

  it('[D22] the client command alone records nothing: its content is the server\'s to fill in', () => {
    const { h, docId } = meeting();
    expect(h.run(cmd({ type: 'document.version.save', docId, name: 'v' }), participant('ann1'))).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(h.current.documents.get(docId)!.versions).toEqual([]);
  });

  it('[D22][D8] after the end staff still save versions; participants, who then only read, do not', () => {
    const { h, docId } = meeting();
    h.must(cmd({ type: 'meeting.end' }), FACILITATOR);
    expect(h.run(record(docId, 'ver00003'), participant('ann1'))).toMatchObject({ ok: false });
    h.must(record(docId, 'ver00004'), SECRETARY);
    expect(h.current.documents.get(docId)!.versions.map((v) => v.id)).toEqual(['ver00004']);
  });

  it('[D22][D5] every audience that may read the document receives the version as it is and holds it in its view', () => {
    const { h, docId } = meeting();
    const before = h.current;
    h.must(record(docId, 'ver00005'), participant('ann1'));
    const entry = h.log.at(-1)!;
    for (const audience of [{ role: 'board' } as const, view('ann1'), view('bob2')]) {
      const projected = projectEvent(before, h.current, entry, audience);
      expect(projected?.event).toEqual(entry.event);
      expect(projectState(h.current, audience).documents.get(docId)!.versions.map((v) => v.id)).toEqual(['ver00005']);
    }
  });
});
