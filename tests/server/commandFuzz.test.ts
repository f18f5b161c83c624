import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectState, type Audience } from '@yishi/domain';
import { LIMITS } from '@yishi/protocol';
import { connected, createDocument, createLink, createMeeting, join } from '../helpers/clients.ts';
import { STORE_KINDS, startInProcess, type InProcess } from '../helpers/servers.ts';

/**
 * Every command a client may send, malformed, oversized or from the wrong person, over the real socket:
 * each gets a typed answer, the server stays up, and whatever was accepted leaves every view equal to
 * its projection of the facilitator's state (nothing poisoned, nobody else affected). Covers the
 * commands of issues 9 and 10 (paper participants, the record, minutes, documents, versions, the
 * board's document) and of issue 12 (phase edits, the timer) with those before them.
 */
const TYPES = [
  'paper.add', 'paper.remove', 'record.details.set', 'record.notes.set', 'minutes.publish', 'minutes.unpublish',
  'document.create', 'document.rename', 'document.access.set', 'document.version.save', 'document.version.record', 'board.document',
  'topic.post', 'topic.merge', 'board.spotlight', 'participant.rename', 'phase.advance', 'no.such.command',
  // Issue 12: phases a facilitator shapes and the timer [D38, D40].
  'phase.rename', 'phase.add', 'phase.remove', 'phase.reorder', 'phase.timebox', 'timer.start', 'timer.pause', 'timer.resume', 'timer.extend', 'timer.reset'
];
const ERROR_CODES = ['invalid', 'forbidden', 'not_found', 'conflict', 'closed', 'rate_limited', 'too_large', 'internal'];

const junk = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ minLength: 20_000, maxLength: 21_000 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 150 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 5 }),
  fc.constantFrom('__proto__', 'constructor', '居民', '<script>alert(1)</script>', 'javascript:alert(1)', '')
);
const FIELDS = ['docId', 'name', 'group', 'count', 'paperId', 'place', 'facilitatorName', 'secretaryName', 'notes', 'kind', 'title', 'access', 'editors', 'articleId', 'versionId', 'contentHash', 'bytes', 'topicId', 'fromPhaseId', 'phaseId', 'phaseIds', 'seconds', 'minutes', 'timeboxMinutes'];
const commandArb = fc.record({
  type: fc.constantFrom(...TYPES),
  fields: fc.dictionary(fc.constantFrom(...FIELDS, '__proto__', 'extra'), junk, { maxKeys: 6 })
});

describe.each(STORE_KINDS)('malformed and unauthorised commands over the socket on %s', (kind) => {
  let srv: InProcess;
  beforeAll(async () => {
    srv = await startInProcess(kind, { COMMAND_RATE: '5000', COMMAND_BURST: '5000' });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('each gets a typed answer; the server stays up and every view stays its projection of the facilitator’s state', async () => {
    const m = await createMeeting(srv.url);
    const docId = await createDocument(srv.url, m.meetingId, m.facilitatorToken);
    const me = await join(srv.url, m.joinCode, '安阿姨', '居民');
    const fac = await connected(srv.url, m.facilitatorToken);
    const phone = await connected(srv.url, me.token);
    const board = await connected(srv.url, await createLink(srv.url, m.meetingId, m.facilitatorToken));
    const senders = [fac, phone, board];
    const samples = fc.sample(fc.tuple(commandArb, fc.nat(2), fc.boolean()), { numRuns: 300, seed: 42 });
    for (const [{ type, fields }, who, real] of samples) {
      // Some aim at a document that exists, so the command's own checks run, not only the schema's.
      const body = { ...fields, ...(real && 'docId' in fields ? { docId } : {}), type };
      // A frame past the cap closes the connection by design (tested in socket.test.ts); this is about commands.
      if (JSON.stringify(body).length > LIMITS.maxFrameBytes - 1_000) continue;
      const ack = await senders[who]!.send(body);
      if (!ack.ok) expect(ERROR_CODES).toContain(ack.error.code);
    }
    // Not even an object, and no command id.
    for (const raw of [null, 42, 'paper.add', [], { type: 'paper.add' }, { commandId: 'x'.repeat(5000), type: 'board.document' }]) {
      const ack = await phone.sendRaw(raw);
      expect(ack.ok).toBe(false);
    }
    // Still serving: a plain command is acked, and every view settles on its projection.
    expect(await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).toMatchObject({ ok: true });
    const head = (await srv.server.meetings.current(m.meetingId)).head.seq;
    await fac.until((s) => s.seq === head, 'facilitator caught up');
    await phone.until((s) => s.seq === head, 'phone caught up');
    await board.until((s) => s.seq === head, 'board caught up');
    const own: Audience = { role: 'participant', participantId: me.participantId, breakoutGroup: null };
    expect(phone.state).toEqual(projectState(fac.state!, own));
    expect(board.state).toEqual(projectState(fac.state!, { role: 'board' }));
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    for (const c of senders) c.close();
  }, 120_000);
});
