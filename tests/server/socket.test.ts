import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeetingState } from '@yishi/domain';
import { LIMITS, PROTOCOL_VERSION } from '@yishi/protocol';
import { hashToken, openStore, type TokenRecord } from '@yishi/store';
import { TestClient, commandId, connected, createLink, createMeeting, join, refusedWith } from '../helpers/clients.ts';
import { STORE_KINDS, startInProcess, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

const topicTitles = (s: MeetingState | null) =>
  [...(s?.topics.values() ?? [])]
    .filter((t) => !t.withdrawn)
    .map((t) => t.title)
    .sort();

describe.each(STORE_KINDS)('realtime server on %s', (kind) => {
  let srv: InProcess;
  beforeAll(async () => {
    srv = await startInProcess(kind, { COMMAND_RATE: '200', COMMAND_BURST: '200' });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  /** A meeting already in the marketplace phase, with a facilitator and one participant connected. */
  async function marketplace() {
    const m = await createMeeting(srv.url);
    const fac = await connected(srv.url, m.facilitatorToken);
    const phase0 = fac.state!.phaseId;
    expect(await fac.send({ type: 'phase.advance', fromPhaseId: phase0 })).toMatchObject({ ok: true });
    const p = await join(srv.url, m.joinCode);
    const phone = await connected(srv.url, p.token);
    await phone.until((s) => s.phaseId !== phase0, 'marketplace phase');
    return { m, fac, p, phone };
  }

  const head = async (meetingId: string) => (await srv.server.meetings.current(meetingId)).head.seq;

  it('acks a valid command with its seq and broadcasts it to everyone', async () => {
    const { m, fac, phone } = await marketplace();
    const ack = await phone.send({ type: 'topic.post', title: '停车难怎么办', description: '晚上八点以后' });
    // The ack carries the command's result: the id of the topic it created.
    expect(ack).toEqual({ ok: true, seq: await head(m.meetingId), result: { topicId: expect.any(String) } });
    const topicId = ack.ok ? ack.result?.topicId : undefined;
    await fac.until((s) => s.topics.get(String(topicId))?.title === '停车难怎么办', 'facilitator sees topic');
    await phone.until((s) => topicTitles(s).includes('停车难怎么办'), 'phone sees topic');
    fac.close();
    phone.close();
  });

  it('answers malformed and invalid commands with a typed error and changes nothing', async () => {
    const { m, fac, phone } = await marketplace();
    const before = await head(m.meetingId);
    const bad: unknown[] = [
      'topic.post',
      42,
      null,
      [],
      { type: 'topic.post' },
      { type: 'no.such.command', commandId: commandId() },
      { type: 'topic.post', commandId: commandId(), title: 12 },
      { type: 'topic.post', commandId: commandId(), title: '好'.repeat(LIMITS.topicTitle + 1) },
      { type: 'topic.post', commandId: commandId(), title: '  ' },
      { type: 'topic.post', commandId: commandId(), title: 'bell\u0007' },
      { type: 'topic.post', commandId: commandId(), title: 'ok', description: 'x'.repeat(LIMITS.topicDescription + 1) },
      { type: 'topic.post', commandId: commandId(), title: 'ok', extra: true },
      { type: 'topic.post', commandId: 'short', title: 'ok' },
      { type: 'topic.withdraw', commandId: commandId(), topicId: '../../etc' }
    ];
    for (const payload of bad) {
      const ack = await phone.sendRaw(payload);
      expect(ack, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'invalid' } });
    }
    // Exactly 120 code points is fine, counted after trimming, even in astral characters.
    const ok = await phone.send({ type: 'topic.post', title: `  ${'𠀋'.repeat(LIMITS.topicTitle)}  ` });
    expect(ok.ok).toBe(true);
    expect(await head(m.meetingId)).toBe(before + 1);
    fac.close();
    phone.close();
  });

  it('keeps HTML and script in names and topics as plain text', async () => {
    const { m, fac } = await marketplace();
    const name = '<img src=x onerror=alert(1)>';
    const p = await join(srv.url, m.joinCode, name, '商户');
    const phone = await connected(srv.url, p.token);
    const title = '<script>alert("议题")</script>';
    expect((await phone.send({ type: 'topic.post', title })).ok).toBe(true);
    const s = await fac.until((st) => topicTitles(st).includes(title), 'script title stored as text');
    expect(s.participants.get(p.participantId)?.name).toBe(name);
    fac.close();
    phone.close();
  });

  it('refuses a facilitator command from a participant with forbidden, and board commands too', async () => {
    const { m, fac, phone } = await marketplace();
    const before = await head(m.meetingId);
    expect(await phone.send({ type: 'joining.close' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await phone.send({ type: 'meeting.end' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const boardToken = await createLink(srv.url, m.meetingId, m.facilitatorToken);
    const board = await connected(srv.url, boardToken);
    expect(await board.send({ type: 'topic.post', title: 'from the board' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await head(m.meetingId)).toBe(before);
    fac.close();
    phone.close();
    board.close();
  });

  it('refuses a command in the wrong phase', async () => {
    const m = await createMeeting(srv.url);
    const p = await join(srv.url, m.joinCode);
    const phone = await connected(srv.url, p.token);
    expect(await phone.send({ type: 'topic.post', title: '太早了' })).toMatchObject({ ok: false, error: { code: 'wrong_phase' } });
    phone.close();
  });

  it('closes a connection that sends a frame over 64 KB, with a stated reason', async () => {
    const { phone, fac } = await marketplace();
    const disconnected = new Promise<string>((resolve) => phone.socket.once('disconnect', (reason) => resolve(reason)));
    phone.socket.io.reconnection(false);
    phone.socket.emit('cmd', { type: 'topic.post', commandId: commandId(), title: 'x', description: 'y'.repeat(LIMITS.maxFrameBytes + 10) }, () => undefined);
    expect(await disconnected).toBe('io server disconnect');
    expect(phone.closing[0]).toMatchObject({ reason: 'frame_too_large', error: { code: 'too_large' } });
    fac.close();
  });

  it('refuses a client speaking another protocol version', async () => {
    const m = await createMeeting(srv.url);
    const c = new TestClient(srv.url, m.facilitatorToken, { protocol: PROTOCOL_VERSION + 1 });
    expect(await refusedWith(c)).toMatchObject({ code: 'version_mismatch' });
  });

  it('refuses forged and missing tokens, and the recovery code', async () => {
    const m = await createMeeting(srv.url);
    expect(await refusedWith(new TestClient(srv.url, 'x'.repeat(43)))).toMatchObject({ code: 'unauthorized' });
    expect(await refusedWith(new TestClient(srv.url, ''))).toMatchObject({ code: 'unauthorized' });
    // A token differing in one character from a real one is as good as none.
    const forged = m.facilitatorToken.slice(0, -1) + (m.facilitatorToken.endsWith('A') ? 'B' : 'A');
    expect(await refusedWith(new TestClient(srv.url, forged))).toMatchObject({ code: 'unauthorized' });
    // The recovery code is not a socket credential.
    expect(await refusedWith(new TestClient(srv.url, m.recoveryCode))).toMatchObject({ code: 'unauthorized' });
  });

  it('refuses an expired token and accepts one that has not expired yet', async () => {
    const m = await createMeeting(srv.url);
    const store = await openStore({ redisUrl: srv.backend.env.REDIS_URL, dataDir: srv.backend.env.DATA_DIR! });
    const session = (secret: string, expiresAt: number): TokenRecord => ({
      tokenId: `tok-${secret.slice(0, 8)}`,
      tokenHash: hashToken(secret),
      meetingId: m.meetingId,
      role: 'board',
      participantId: null,
      kind: 'session',
      label: '',
      createdAt: Date.now() - 1000,
      revokedAt: null,
      expiresAt
    });
    const expired = `expired${'e'.repeat(40)}`;
    const fresh = `fresh${'f'.repeat(40)}`;
    await store.putToken(session(expired, Date.now() - 1));
    await store.putToken(session(fresh, Date.now() + 60_000));
    await store.close();
    expect(await refusedWith(new TestClient(srv.url, expired))).toMatchObject({ code: 'unauthorized', message: 'this token has expired' });
    const ok = await connected(srv.url, fresh);
    expect(ok.state!.meetingId).toBe(m.meetingId);
    ok.close();
  });

  it('never sends a meeting anything of another meeting', async () => {
    const a = await createMeeting(srv.url);
    const b = await createMeeting(srv.url);
    const facA = await connected(srv.url, a.facilitatorToken);
    const facB = await connected(srv.url, b.facilitatorToken);
    expect(facB.state!.meetingId).toBe(b.meetingId);
    expect((await facA.send({ type: 'joining.close' })).ok).toBe(true);
    await facA.until((s) => !s.joiningOpen, 'A closed');
    // B's own command is the barrier: everything before it has been delivered.
    expect((await facB.send({ type: 'phase.advance', fromPhaseId: facB.state!.phaseId })).ok).toBe(true);
    await facB.until((s) => s.seq === 2, 'B advanced');
    expect(facB.events.every((e) => e.event.type !== 'joining.closed')).toBe(true);
    expect(facB.state!.joiningOpen).toBe(true);
    facA.close();
    facB.close();
  });

  it('refuses a browser connection from a foreign Origin', async () => {
    const m = await createMeeting(srv.url);
    const c = new TestClient(srv.url, m.facilitatorToken, { extraHeaders: { origin: 'http://evil.example' } });
    await waitFor(() => c.connectError, { what: 'origin refusal' });
    expect(c.state).toBeNull();
    c.close();
    const same = new TestClient(srv.url, m.facilitatorToken, { extraHeaders: { origin: srv.url } });
    await same.ready();
    same.close();
  });

  it('resyncs a client that was disconnected to the server seq', async () => {
    const { m, fac, phone } = await marketplace();
    phone.socket.disconnect();
    for (const title of ['一', '二', '三']) expect((await fac.send({ type: 'topic.postFor', title, convenerName: '李大爷' })).ok).toBe(true);
    const serverSeq = await head(m.meetingId);
    phone.socket.connect();
    await phone.until((s) => s.seq === serverSeq, 'phone at server seq');
    expect(topicTitles(phone.state)).toEqual(topicTitles(fac.state));
    expect(topicTitles(phone.state)).toEqual(['一', '三', '二'].sort());
    fac.close();
    phone.close();
  });

  it('does not append twice when a command id is retried on a new connection', async () => {
    const { m, fac, p, phone } = await marketplace();
    const cmd = { type: 'topic.post', commandId: commandId(), title: '重发的议题' };
    const first = await phone.sendRaw(cmd);
    expect(first.ok).toBe(true);
    phone.close();
    const again = await connected(srv.url, p.token);
    expect(await again.sendRaw(cmd)).toEqual(first);
    expect(await head(m.meetingId)).toBe((first as { seq: number }).seq);
    expect(topicTitles(again.state).filter((t) => t === '重发的议题')).toHaveLength(1);
    // An error is remembered too: the same id gives the same answer even after the cause is gone.
    const tooEarly = { type: 'phase.back', commandId: commandId(), fromPhaseId: 'nonexistent-phase' };
    const err = await fac.sendRaw(tooEarly);
    expect(err).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await fac.sendRaw(tooEarly)).toEqual(err);
    fac.close();
    again.close();
  });

  it('acks 20 phones posting at once, with no conflict surfacing', async () => {
    const { m, fac } = await marketplace();
    const phones = await Promise.all(Array.from({ length: 20 }, async (_, i) => connected(srv.url, (await join(srv.url, m.joinCode, `居民${i}`)).token)));
    const acks = await Promise.all(phones.map((ph, i) => ph.send({ type: 'topic.post', title: `同时发的议题 ${i}` })));
    expect(acks.every((a) => a.ok)).toBe(true);
    const seqs = acks.map((a) => (a as { seq: number }).seq);
    expect(new Set(seqs).size).toBe(20);
    const finalSeq = await head(m.meetingId);
    await Promise.all(phones.map((ph) => ph.until((s) => s.seq === finalSeq, 'phone caught up')));
    for (const ph of phones) expect(ph.state!.topics.size).toBe(20);
    fac.close();
    for (const ph of phones) ph.close();
  });

  it('redacts hidden and withdrawn topics from participants and the board, not from the facilitator', async () => {
    const { m, fac, phone } = await marketplace();
    const boardToken = await createLink(srv.url, m.meetingId, m.facilitatorToken);
    const board = await connected(srv.url, boardToken);
    const posted = await phone.send({ type: 'topic.post', title: '不文明的议题' });
    expect(posted.ok).toBe(true);
    const topicId = await fac.until((s) => topicTitles(s).includes('不文明的议题')).then((s) => [...s.topics.values()].find((t) => t.title === '不文明的议题')!.id);
    expect((await fac.send({ type: 'topic.hide', topicId })).ok).toBe(true);
    // A later command is the barrier: once the phone and the board hold it, they got everything before.
    expect((await fac.send({ type: 'topic.postFor', title: '屏障', convenerName: '记录' })).ok).toBe(true);
    const finalSeq = await head(m.meetingId);
    for (const c of [phone, board]) await c.until((s) => s.seq === finalSeq, 'caught up');
    expect(board.state!.topics.get(topicId)).toBeUndefined();
    // Its convener keeps it on their own phone, flagged hidden.
    expect(phone.state!.topics.get(topicId)).toMatchObject({ hidden: true, title: '不文明的议题' });
    expect(fac.state!.topics.get(topicId)).toMatchObject({ hidden: true, title: '不文明的议题' });
    // A fresh snapshot is projected too.
    const late = await connected(srv.url, boardToken);
    expect(late.state!.topics.get(topicId)).toBeUndefined();
    // Unhiding gives the audiences the topic back, whole.
    expect((await fac.send({ type: 'topic.unhide', topicId })).ok).toBe(true);
    await board.until((s) => s.topics.get(topicId)?.title === '不文明的议题', 'board got topic back');
    for (const c of [fac, phone, board, late]) c.close();
  });

  it('tells the console and the board who is connected, and not the phones', async () => {
    const { m, fac, phone } = await marketplace();
    const board = await connected(srv.url, await createLink(srv.url, m.meetingId, m.facilitatorToken));
    const atConsole: string[][] = [];
    const atBoard: string[][] = [];
    const atPhone: string[][] = [];
    fac.socket.on('presence', (msg: { connected: string[] }) => atConsole.push(msg.connected));
    board.socket.on('presence', (msg: { connected: string[] }) => atBoard.push(msg.connected));
    phone.socket.on('presence', (msg: { connected: string[] }) => atPhone.push(msg.connected));
    const second = await join(srv.url, m.joinCode, '第二位', '商户');
    const secondPhone = await connected(srv.url, second.token);
    await waitFor(() => atConsole.some((c) => c.includes(second.participantId)), { what: 'console sees the second phone' });
    await waitFor(() => atBoard.some((c) => c.includes(second.participantId)), { what: 'board sees the second phone' });
    secondPhone.close();
    await waitFor(() => atConsole.at(-1) && !atConsole.at(-1)!.includes(second.participantId), { what: 'console sees it leave' });
    // The console got both updates after the phone's; the phone, connected all along, got none.
    expect(atPhone).toEqual([]);
    for (const c of [fac, phone, board]) c.close();
  });

  it('relays board paging from the facilitator to the board and back, from nobody else', async () => {
    const { m, fac, phone } = await marketplace();
    const board = await connected(srv.url, await createLink(srv.url, m.meetingId, m.facilitatorToken));
    const atBoard: unknown[] = [];
    const atConsole: unknown[] = [];
    board.socket.on('board', (s: unknown) => atBoard.push(s));
    fac.socket.on('board', (s: unknown) => atConsole.push(s));
    phone.socket.emit('board', { type: 'turn', delta: 1 });
    // The phone's next ack proves the server handled its signal before anything below is sent.
    expect(await phone.send({ type: 'joining.close' })).toMatchObject({ ok: false });
    fac.socket.emit('board', { type: 'turn', delta: 7 });
    fac.socket.emit('board', { type: 'state', page: 1, pages: 1, auto: true });
    fac.socket.emit('board', { type: 'turn', delta: -1 });
    await waitFor(() => atBoard.length > 0, { what: 'board signal' });
    // Had anything before it been relayed, the board would have received it first.
    expect(atBoard).toEqual([{ type: 'turn', delta: -1 }]);
    board.socket.emit('board', { type: 'state', page: 2, pages: 5, auto: false });
    await waitFor(() => atConsole.length > 0, { what: 'console signal' });
    expect(atConsole).toEqual([{ type: 'state', page: 2, pages: 5, auto: false }]);
    for (const c of [fac, phone, board]) c.close();
  });

  it('rate-limits a connection that floods commands', async () => {
    const limited = await startInProcess(kind, { COMMAND_RATE: '1', COMMAND_BURST: '3' });
    try {
      const m = await createMeeting(limited.url);
      const fac = await connected(limited.url, m.facilitatorToken);
      const acks = await Promise.all(Array.from({ length: 6 }, () => fac.send({ type: 'topic.postFor', title: '刷屏', convenerName: '某人' })));
      // The burst of 3 goes through to the domain (which answers wrong_phase here); the rest are throttled.
      const limitedAcks = acks.filter((a) => !a.ok && a.error.code === 'rate_limited');
      expect(limitedAcks.length).toBeGreaterThanOrEqual(2);
      expect(limitedAcks.length).toBeLessThanOrEqual(3);
      expect(limitedAcks[0]).toMatchObject({ ok: false, error: { retryAfterMs: expect.any(Number) } });
      fac.close();
    } finally {
      await limited.stop();
    }
  });

  it('disconnects a removed participant and refuses them afterwards', async () => {
    const { fac, p, phone } = await marketplace();
    phone.socket.io.reconnection(false);
    expect((await fac.send({ type: 'participant.remove', participantId: p.participantId })).ok).toBe(true);
    await waitFor(() => phone.closing.find((c) => c.reason === 'participant_removed'), { what: 'removal notice' });
    await waitFor(() => !phone.socket.connected, { what: 'removed phone disconnected' });
    expect(await refusedWith(new TestClient(srv.url, p.token))).toMatchObject({ code: 'forbidden' });
    fac.close();
  });
});
