import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectState, type Audience } from '@yishi/domain';
import { connected, createLink, createMeeting, join } from '../helpers/clients.ts';
import { STORE_KINDS, startInProcess, type InProcess } from '../helpers/servers.ts';

/**
 * What a meeting commits within a few milliseconds reaches each room as one `entries` message (events
 * and runs of skips in seq order), not one frame per entry: a join storm of N phones otherwise sent
 * N²/2 frames. The phones fold a batch exactly as the entries one by one, private parts included.
 */
describe.each(STORE_KINDS)('batched broadcasts on %s', (kind) => {
  let srv: InProcess;
  beforeAll(async () => {
    srv = await startInProcess(kind, { COMMAND_RATE: '500', COMMAND_BURST: '500', JOIN_FAILURES_PER_MINUTE: '100000' });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('a burst of joins, posts and renames reaches a phone and the board as fewer messages than entries, and their states equal the facilitator’s', async () => {
    const m = await createMeeting(srv.url);
    const fac = await connected(srv.url, m.facilitatorToken);
    expect(await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).toMatchObject({ ok: true });
    const me = await join(srv.url, m.joinCode, '安阿姨', '居民');
    const other = await join(srv.url, m.joinCode, '薄老板', '商户');
    const phone = await connected(srv.url, me.token);
    const board = await connected(srv.url, await createLink(srv.url, m.meetingId, m.facilitatorToken));
    const from = { phone: phone.seq, board: board.seq, phoneBatches: phone.batches, boardBatches: board.batches };

    // All at once: joins (the roster: skips for the phone and the board), posts (shared), a rename of the
    // phone's own person (its private part) and of someone else (a skip for it), interleaved.
    const acks = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => join(srv.url, m.joinCode, `居民${i}`, '居民')),
      ...Array.from({ length: 20 }, (_, i) => fac.send({ type: 'topic.postFor', title: `议题${i}`, convenerName: '居委会' })),
      fac.send({ type: 'participant.rename', participantId: me.participantId, name: '安奶奶' }),
      fac.send({ type: 'participant.rename', participantId: other.participantId, name: '薄师傅' })
    ]);
    expect(acks.every((a) => !('ok' in a) || a.ok)).toBe(true);
    const head = (await srv.server.meetings.current(m.meetingId)).head.seq;

    const own: Audience = { role: 'participant', participantId: me.participantId, breakoutGroup: null };
    await fac.until((s) => s.seq === head, 'facilitator caught up');
    await phone.until((s) => s.seq === head, 'phone caught up');
    await board.until((s) => s.seq === head, 'board caught up');
    expect(phone.state).toEqual(projectState(fac.state!, own));
    expect(board.state).toEqual(projectState(fac.state!, { role: 'board' }));
    expect(phone.state!.participants.get(me.participantId)?.name).toBe('安奶奶');
    expect(phone.snapshots).toBe(1); // nothing was lost, nothing asked for

    const entries = head - from.phone;
    expect(entries).toBeGreaterThanOrEqual(42);
    expect(phone.batches - from.phoneBatches).toBeLessThan(entries);
    expect(board.batches - from.boardBatches).toBeLessThan(head - from.board);
  });

  it('a join’s head count reaches the board at once and the phones on the slower beat; anything else for the phones, or their own command, brings it along', async () => {
    const m = await createMeeting(srv.url);
    const fac = await connected(srv.url, m.facilitatorToken);
    expect(await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).toMatchObject({ ok: true });
    const phone = await connected(srv.url, (await join(srv.url, m.joinCode, '安阿姨', '居民')).token);
    const board = await connected(srv.url, await createLink(srv.url, m.meetingId, m.facilitatorToken));

    // A join only: the board counts it within a batch window; the phone has not been sent it by then
    // (it waits LAZY_PHONES_MS, fifty times the window), and counts it once it comes.
    const present = (s: typeof board.state) => s!.attendance.get('居民');
    await join(srv.url, m.joinCode, '白大爷', '居民');
    const joinedAt = (await srv.server.meetings.current(m.meetingId)).head.seq;
    await board.until((s) => s.seq === joinedAt, 'board counted the join');
    expect(present(board.state)).toBe(2);
    expect(phone.seq).toBeLessThan(joinedAt);
    await phone.until((s) => s.seq === joinedAt, 'the lazy beat brought the join to the phone');
    expect(present(phone.state)).toBe(2);

    // A join, then a post for the hall: the post brings the waiting count along, in seq order.
    await join(srv.url, m.joinCode, '陈叔', '居民');
    expect(await fac.send({ type: 'topic.postFor', title: '路灯', convenerName: '居委会' })).toMatchObject({ ok: true });
    const posted = (await srv.server.meetings.current(m.meetingId)).head.seq;
    await phone.until((s) => s.seq === posted, 'the post and the count before it');
    expect(present(phone.state)).toBe(3);

    // A join, then the phone's own command: its ack comes after everything before it.
    await join(srv.url, m.joinCode, '丁姐', '居民');
    const ack = await phone.send({ type: 'topic.post', title: '楼道灯' });
    if (!ack.ok) throw new Error('refused');
    expect(phone.seq).toBe(ack.seq);
    expect(present(phone.state)).toBe(4);
    expect(phone.snapshots).toBe(1); // nothing was lost, nothing asked for
  });

  it('a command’s own entry reaches its sender before its ack, as before batching', async () => {
    const m = await createMeeting(srv.url);
    const fac = await connected(srv.url, m.facilitatorToken);
    expect(await fac.send({ type: 'phase.advance', fromPhaseId: fac.state!.phaseId })).toMatchObject({ ok: true });
    const phone = await connected(srv.url, (await join(srv.url, m.joinCode)).token);
    for (let i = 0; i < 5; i++) {
      const ack = await phone.send({ type: 'topic.post', title: `楼道${i}` });
      if (!ack.ok) throw new Error('refused');
      expect(phone.seq).toBe(ack.seq);
      expect(phone.state!.topics.has(String(ack.result?.topicId))).toBe(true);
    }
  });
});
