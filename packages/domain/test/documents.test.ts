import fc from 'fast-check';
import type { Actor } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { ClientCommandSchema, commandResult, documentRight, permits, projectEvent, projectState, type Audience, type MeetingState } from '../src/index.ts';
import { BOARD, cmd, FACILITATOR, MeetingHarness, participant, SECRETARY, SYSTEM } from './harness.ts';
import { PEOPLE, scenarioArb, simulate } from './scenarios.ts';

const view = (participantId: string): Audience => ({ role: 'participant', participantId, breakoutGroup: null });

/** A meeting with ann1, bob2 and cat3 (cat3 removed) and one document per access. */
function meeting() {
  const h = MeetingHarness.created(['居民', '商户']);
  for (const p of ['ann1', 'bob2', 'cat3']) h.join(p);
  h.must(cmd({ type: 'participant.remove', participantId: 'cat3' }), FACILITATOR);
  const create = (access: 'everyone' | 'named' | 'readonly', editors: string[] = [], actor: Actor = FACILITATOR) => {
    const d = h.must(cmd({ type: 'document.create', kind: 'charter', title: `章程 ${access}`, access, editors }), actor);
    return commandResult('document.create', d.events)!.docId as string;
  };
  const docs = { everyone: create('everyone'), named: create('named', ['ann1'], SECRETARY), readonly: create('readonly') };
  return { h, docs };
}

describe('documents [D21]', () => {
  it('[D21] staff create a document; the server makes its id and the ack carries it; every view lists it', () => {
    const { h, docs } = meeting();
    expect(new Set(Object.values(docs)).size).toBe(3);
    expect(h.current.documents.get(docs.named)).toMatchObject({ kind: 'charter', title: '章程 named', access: 'named', editors: ['ann1'], createdBy: 'secretary' });
    for (const audience of [{ role: 'board' } as const, view('ann1'), view('bob2')]) {
      expect([...projectState(h.current, audience).documents.keys()].sort()).toEqual(Object.values(docs).sort());
    }
    for (const actor of [participant('ann1'), BOARD, SYSTEM]) {
      expect(h.run(cmd({ type: 'document.create', kind: 'notes', title: '笔记', access: 'everyone', editors: [] }), actor)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
  });

  it('[D21] bad input: an unknown kind or access, an empty or over-long title, editors without a named set, a named set of strangers or removed people', () => {
    const base = { type: 'document.create', commandId: 'cmd-doc-00001', kind: 'charter', title: '章程', access: 'everyone' };
    expect(ClientCommandSchema.safeParse(base).success).toBe(true);
    expect(ClientCommandSchema.safeParse({ ...base, kind: 'diagram' }).success).toBe(false);
    expect(ClientCommandSchema.safeParse({ ...base, access: 'some' }).success).toBe(false);
    expect(ClientCommandSchema.safeParse({ ...base, title: '' }).success).toBe(false);
    expect(ClientCommandSchema.safeParse({ ...base, title: '章'.repeat(121) }).success).toBe(false);
    expect(ClientCommandSchema.safeParse({ ...base, access: 'named', editors: ['ann1', 'ann1'] }).success).toBe(false);
    expect(ClientCommandSchema.safeParse({ ...base, docId: 'x' }).success).toBe(false);
    const { h, docs } = meeting();
    const seq = h.current.seq;
    const refused = (body: Parameters<typeof cmd>[0]) => expect(h.run(cmd(body), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'invalid', field: 'editors' } });
    refused({ type: 'document.create', kind: 'notes', title: '笔记', access: 'everyone', editors: ['ann1'] });
    refused({ type: 'document.create', kind: 'notes', title: '笔记', access: 'named', editors: [] });
    refused({ type: 'document.create', kind: 'notes', title: '笔记', access: 'named', editors: ['nobody9'] });
    refused({ type: 'document.access.set', docId: docs.everyone, access: 'named', editors: ['cat3'] });
    expect(h.run(cmd({ type: 'document.rename', docId: 'nope0000', title: '新' }), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(h.run(cmd({ type: 'document.access.set', docId: 'nope0000', access: 'readonly', editors: [] }), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(h.current.seq).toBe(seq);
  });

  it('[D21] rights by role and access: staff write, the board reads, participants per access; an unknown document or a removed person: none', () => {
    const { h, docs } = meeting();
    const s = h.current;
    const table: [Actor, keyof typeof docs, string][] = [
      [FACILITATOR, 'readonly', 'write'],
      [SECRETARY, 'named', 'write'],
      [BOARD, 'everyone', 'read'],
      [participant('ann1'), 'everyone', 'write'],
      [participant('ann1'), 'named', 'write'],
      [participant('bob2'), 'named', 'read'],
      [participant('bob2'), 'readonly', 'read'],
      [participant('cat3'), 'everyone', 'none'],
      [participant('nobody9'), 'everyone', 'none'],
      [SYSTEM, 'everyone', 'none']
    ];
    for (const [actor, doc, right] of table) expect(documentRight(s, actor, docs[doc]), `${JSON.stringify(actor)} ${doc}`).toBe(right);
    for (const actor of [FACILITATOR, BOARD, participant('ann1')]) expect(documentRight(s, actor, 'nope0000')).toBe('none');
    expect(documentRight(null, FACILITATOR, docs.everyone)).toBe('none');
    // A change of access takes effect at once; after the end only staff write.
    h.must(cmd({ type: 'document.access.set', docId: docs.everyone, access: 'readonly', editors: [] }), SECRETARY);
    expect(documentRight(h.current, participant('ann1'), docs.everyone)).toBe('read');
    h.must(cmd({ type: 'meeting.end' }), FACILITATOR);
    expect(documentRight(h.current, participant('ann1'), docs.named)).toBe('read');
    expect(documentRight(h.current, SECRETARY, docs.named)).toBe('write');
    // Staff still complete the record: a document's title and access after the end [D8].
    h.must(cmd({ type: 'document.rename', docId: docs.named, title: '章程 定稿' }), SECRETARY);
    expect(h.run(cmd({ type: 'document.rename', docId: docs.named, title: '改' }), participant('ann1'))).toMatchObject({ ok: false, error: { code: 'closed' } });
  });

  it('[D21] a named set reaches a public view one person at a time: each named participant learns only that they are in it', () => {
    const { h, docs } = meeting();
    const before = h.current;
    h.must(cmd({ type: 'document.access.set', docId: docs.everyone, access: 'named', editors: ['ann1', 'bob2'] }), FACILITATOR);
    const entry = h.log.at(-1)!;
    expect(projectEvent(before, h.current, entry, { role: 'board' })?.event).toMatchObject({ editors: [] });
    expect(projectEvent(before, h.current, entry, view('ann1'))?.event).toMatchObject({ editors: ['ann1'] });
    expect(projectEvent(before, h.current, entry, view('bob2'))?.event).toMatchObject({ editors: ['bob2'] });
    expect(JSON.stringify(projectState(h.current, view('bob2')))).not.toContain('ann1');
    expect(documentRight(projectState(h.current, view('bob2')), participant('bob2'), docs.everyone)).toBe('write');
    expect(documentRight(projectState(h.current, view('ann1')), participant('ann1'), docs.named)).toBe('write');
    expect(documentRight(projectState(h.current, view('bob2')), participant('bob2'), docs.named)).toBe('read');
  });

  it('[D12] permits offers document commands to staff only', () => {
    const { h, docs } = meeting();
    const body = { type: 'document.rename', docId: docs.named, title: '新' } as const;
    expect(permits(h.current, body, SECRETARY)).toBe(true);
    expect(permits(projectState(h.current, view('ann1')), body, participant('ann1'))).toBe(false);
  });

  it('[D21][D26] over random meetings, a participant\'s right read on their own view equals the right on the full state; staff always write, the board reads (a minutes draft only once the minutes are published)', () => {
    let named = 0;
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { state } = simulate(scenario);
        for (const doc of [...state.documents.keys(), 'nope0000']) {
          const known = state.documents.has(doc);
          expect(documentRight(state, FACILITATOR, doc)).toBe(known ? 'write' : 'none');
          expect(documentRight(state, SECRETARY, doc)).toBe(known ? 'write' : 'none');
          const hidden = state.documents.get(doc)?.kind === 'minutesDraft' && !state.minutesPublished;
          expect(documentRight(state, BOARD, doc)).toBe(known && !hidden ? 'read' : 'none');
          expect(documentRight(projectState(state, { role: 'board' }), BOARD, doc)).toBe(known && !hidden ? 'read' : 'none');
          for (const p of PEOPLE) {
            const actor = participant(p);
            const full = documentRight(state, actor, doc);
            const d = state.documents.get(doc);
            const me = state.participants.get(p);
            const expected: string =
              d === undefined || me === undefined || me.removed
                ? 'none'
                : d.kind === 'minutesDraft'
                  ? state.minutesPublished
                    ? 'read'
                    : 'none'
                  : state.ended || d.access === 'readonly' || (d.access === 'named' && !d.editors.includes(p)) ? 'read' : 'write';
            expect(full).toBe(expected);
            if (d?.access === 'named') named++;
            expect(documentRight(projectState(state, view(p)) as MeetingState, actor, doc)).toBe(full);
          }
        }
      }),
      { numRuns: Number(process.env.DOMAIN_RUNS ?? 150) }
    );
    expect(named).toBeGreaterThan(0);
  });
});
