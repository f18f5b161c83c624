import type { Actor } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { commandResult, projectEvent, projectState, type Audience } from '../src/index.ts';
import { BOARD, cmd, FACILITATOR, MeetingHarness, participant, SECRETARY, SYSTEM } from './harness.ts';

const view = (participantId: string): Audience => ({ role: 'participant', participantId, breakoutGroup: null });

/** ann1 and bob2 in the meeting; a charter only ann1 edits (named set). */
function meeting() {
  const h = MeetingHarness.created(['居民', '商户']);
  for (const p of ['ann1', 'bob2']) h.join(p);
  const d = h.must(cmd({ type: 'document.create', kind: 'charter', title: '章程', access: 'named', editors: ['ann1'] }), FACILITATOR);
  const docId = commandResult('document.create', d.events)!.docId as string;
  return { h, docId };
}

describe('the board shows a document [D23]', () => {
  it('[D23] the facilitator shows a document, then follows the article under discussion, then takes it down', () => {
    const { h, docId } = meeting();
    expect(h.current.boardDocument).toBeNull();
    h.must(cmd({ type: 'board.document', docId, articleId: null }), FACILITATOR);
    expect(h.current.boardDocument).toEqual({ docId, articleId: null });
    h.must(cmd({ type: 'board.document', docId, articleId: 'a0123456789abcdef' }), FACILITATOR);
    expect(h.current.boardDocument).toEqual({ docId, articleId: 'a0123456789abcdef' });
    // The same again is a conflict and changes nothing.
    expect(h.run(cmd({ type: 'board.document', docId, articleId: 'a0123456789abcdef' }), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'conflict' } });
    h.must(cmd({ type: 'board.document', docId: null, articleId: null }), FACILITATOR);
    expect(h.current.boardDocument).toBeNull();
    // Taking down what is not there is a conflict; an article without a document is invalid.
    expect(h.run(cmd({ type: 'board.document', docId: null, articleId: null }), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(h.run(cmd({ type: 'board.document', docId: null, articleId: 'a0123456789abcdef' }), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });

  it('[D23] only the facilitator chooses; an unknown document is not_found; nothing changes on a refusal', () => {
    const { h, docId } = meeting();
    for (const actor of [SECRETARY, BOARD, SYSTEM, participant('ann1')] as Actor[]) {
      expect(h.run(cmd({ type: 'board.document', docId, articleId: null }), actor)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(h.run(cmd({ type: 'board.document', docId: 'nosuchdoc', articleId: null }), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(h.current.boardDocument).toBeNull();
  });

  it('[D23] every view holds what the board shows, and receives the event as it is', () => {
    const { h, docId } = meeting();
    const before = h.current;
    h.must(cmd({ type: 'board.document', docId, articleId: 'a0123456789abcdef' }), FACILITATOR);
    const entry = h.log.at(-1)!;
    for (const audience of [{ role: 'board' } as const, view('ann1'), view('bob2')]) {
      expect(projectEvent(before, h.current, entry, audience)?.event).toEqual(entry.event);
      expect(projectState(h.current, audience).boardDocument).toEqual({ docId, articleId: 'a0123456789abcdef' });
    }
  });

  it('[D23][D8] the end takes the document down, and nothing is shown after it', () => {
    const { h, docId } = meeting();
    h.must(cmd({ type: 'board.document', docId, articleId: null }), FACILITATOR);
    h.must(cmd({ type: 'meeting.end' }), FACILITATOR);
    expect(h.current.boardDocument).toBeNull();
    expect(h.run(cmd({ type: 'board.document', docId, articleId: null }), FACILITATOR)).toMatchObject({ ok: false });
    expect(h.current.boardDocument).toBeNull();
  });
});
