import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displaySeconds, readTimer, type MeetingState } from '@yishi/domain';
import { createLogger, createYishiServer, loadConfig, type YishiServer } from '@yishi/realtime-server';
import { openStore } from '@yishi/store';
import { createRedisScaleOut, type ScaleOut } from '../../realtime-server/src/scale/redisScaleOut.ts';
import { ServerClock } from '../../web/src/lib/meeting/serverClock.ts';
import { TestClient, commandId, connected, createLink, createMeeting, join } from '../helpers/clients.ts';
import { STORE_KINDS, startBackend, startInProcess, type Backend, type InProcess } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

/** What a screen shows at `serverNow`: signed whole seconds (negative: overrun) [D42]. */
function shown(state: MeetingState, serverNow: number): number {
  const reading = readTimer(state, serverNow);
  const d = displaySeconds(reading.remainingMs!);
  return d.overrun ? -d.seconds : d.seconds;
}

/** A client whose device clock is `skewMs` off, measuring its offset to its server as the page does. */
async function clockOf(client: TestClient, skewMs: number): Promise<ServerClock> {
  const clock = new ServerClock({ now: () => Date.now() + skewMs });
  await clock.measure(client.socket as never);
  expect(clock.measured).toBe(true);
  return clock;
}

describe.each(STORE_KINDS)('phases and the timer on %s', (kind) => {
  let srv: InProcess;
  beforeAll(async () => {
    srv = await startInProcess(kind, { COMMAND_RATE: '200', COMMAND_BURST: '200' });
  });
  afterAll(async () => {
    await srv?.stop();
  });
  const head = async (meetingId: string) => (await srv.server.meetings.current(meetingId)).head.seq;

  async function room() {
    const m = await createMeeting(srv.url);
    const fac = await connected(srv.url, m.facilitatorToken);
    const p = await join(srv.url, m.joinCode);
    const phone = await connected(srv.url, p.token);
    const board = await connected(srv.url, await createLink(srv.url, m.meetingId, m.facilitatorToken, 'board'));
    const secretary = await connected(srv.url, await createLink(srv.url, m.meetingId, m.facilitatorToken, 'secretary'));
    const close = () => [fac, phone, board, secretary].forEach((c) => c.close());
    return { m, fac, phone, board, secretary, close };
  }

  it('[D38] the facilitator renames, adds, retimes, reorders and removes phases; the phone and the board follow', async () => {
    const { fac, phone, board, close } = await room();
    const phases = fac.state!.phases;
    expect((await fac.send({ type: 'phase.rename', phaseId: phases[1]!.id, title: '摆摊时间' })).ok).toBe(true);
    const added = await fac.send({ type: 'phase.add', kind: 'harvest', title: '加一轮汇报', timeboxMinutes: 12 });
    expect(added).toMatchObject({ ok: true, result: { phaseId: expect.any(String) } });
    const newId = added.ok ? String(added.result!.phaseId) : '';
    expect((await fac.send({ type: 'phase.timebox', phaseId: phases[3]!.id, minutes: 45 })).ok).toBe(true);
    const order = [phases[0]!.id, newId, ...phases.slice(1).map((p) => p.id)];
    expect((await fac.send({ type: 'phase.reorder', phaseIds: order })).ok).toBe(true);
    expect((await fac.send({ type: 'phase.remove', phaseId: phases[5]!.id })).ok).toBe(true);
    const expected = order.filter((id) => id !== phases[5]!.id);
    for (const c of [phone, board, fac]) {
      const s = await c.until((s) => s.phases.map((p) => p.id).join() === expected.join(), 'phases followed');
      expect(s.phases.find((p) => p.id === phases[1]!.id)!.title).toBe('摆摊时间');
      expect(s.phases.find((p) => p.id === phases[3]!.id)!.timeboxMinutes).toBe(45);
      expect(s.phases[1]).toMatchObject({ id: newId, kind: 'harvest', title: '加一轮汇报', timeboxMinutes: 12 });
    }
    close();
  });

  it('[D38] [D40] forbidden to everyone but the facilitator; bad input gets a typed error; nothing changes', async () => {
    const { m, fac, phone, board, secretary, close } = await room();
    const current = fac.state!.phaseId;
    const other = fac.state!.phases[2]!.id;
    const before = await head(m.meetingId);
    for (const c of [phone, board, secretary]) {
      for (const command of [
        { type: 'phase.rename', phaseId: other, title: 'x' },
        { type: 'phase.add', kind: 'closing', title: null },
        { type: 'phase.remove', phaseId: other },
        { type: 'phase.timebox', phaseId: other, minutes: 5 },
        { type: 'timer.start', phaseId: current },
        { type: 'timer.extend', phaseId: current, minutes: 1 }
      ]) {
        expect(await c.send(command), JSON.stringify(command)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
    }
    const bad: [Record<string, unknown>, string, string?][] = [
      [{ type: 'timer.start', phaseId: current, seconds: -5 }, 'invalid', 'seconds'],
      [{ type: 'timer.start', phaseId: current, seconds: 1e9 }, 'invalid', 'seconds'],
      [{ type: 'timer.start', phaseId: current, seconds: 1.5 }, 'invalid', 'seconds'],
      [{ type: 'timer.extend', phaseId: current, minutes: -1 }, 'invalid', 'minutes'],
      [{ type: 'timer.extend', phaseId: current, minutes: 100_000 }, 'invalid', 'minutes'],
      [{ type: 'phase.timebox', phaseId: other, minutes: 0 }, 'invalid', 'minutes'],
      [{ type: 'phase.timebox', phaseId: other, minutes: 100_000 }, 'invalid', 'minutes'],
      [{ type: 'phase.rename', phaseId: other, title: '  ' }, 'invalid', 'title'],
      [{ type: 'phase.rename', phaseId: other, title: 'x'.repeat(41) }, 'invalid', 'title'],
      [{ type: 'phase.add', kind: 'party', title: null }, 'invalid', 'kind'],
      [{ type: 'phase.reorder', phaseIds: [] }, 'invalid', 'phaseIds'],
      [{ type: 'phase.reorder', phaseIds: fac.state!.phases.map((p) => p.id).slice(1) }, 'invalid', 'phaseIds'],
      [{ type: 'phase.reorder', phaseIds: [...fac.state!.phases.map((p) => p.id).slice(1), 'nope0000'] }, 'invalid', 'phaseIds'],
      [{ type: 'phase.remove', phaseId: current }, 'conflict', 'phaseId'],
      [{ type: 'phase.remove', phaseId: 'nope0000' }, 'not_found', 'phaseId'],
      [{ type: 'timer.start', phaseId: 'nope0000' }, 'not_found', 'phaseId'],
      [{ type: 'timer.start', phaseId: other }, 'conflict', 'phaseId'],
      [{ type: 'timer.pause', phaseId: current }, 'conflict'],
      [{ type: 'timer.start', phaseId: current, extra: 1 }, 'invalid']
    ];
    for (const [command, code, field] of bad) {
      const ack = await fac.sendRaw({ commandId: commandId(), ...command });
      expect(ack, JSON.stringify(command)).toMatchObject({ ok: false, error: { code, ...(field ? { field } : {}) } });
    }
    expect(await head(m.meetingId)).toBe(before);
    close();
  });

  it('[D41] the server writes the end from its clock; a board and a phone five minutes off show the same remaining seconds; pause freezes; extend adds', async () => {
    const { fac, phone, board, close } = await room();
    const phaseId = fac.state!.phaseId;
    const t0 = Date.now();
    expect((await fac.send({ type: 'timer.start', phaseId })).ok).toBe(true);
    const t1 = Date.now();
    const started = await waitFor(() => phone.events.find((e) => e.event.type === 'timer.started'), { what: 'timer.started on the phone' });
    if (started.event.type !== 'timer.started') throw new Error('unreachable');
    expect(started.event.endsAt).toBeGreaterThanOrEqual(t0 + 15 * 60_000);
    expect(started.event.endsAt).toBeLessThanOrEqual(t1 + 15 * 60_000);
    const clocks = await Promise.all([clockOf(fac, 0), clockOf(phone, 5 * 60_000), clockOf(board, -5 * 60_000 - 1234)]);
    expect(Math.abs(clocks[1]!.offset + 5 * 60_000)).toBeLessThan(1_000); // wrong by at most half the best round trip (a busy machine)
    const states = await Promise.all([fac, phone, board].map((c) => c.until((s) => s.timer?.status === 'running', 'running')));
    const readings = states.map((s, i) => shown(s, clocks[i]!.serverNow()));
    expect(Math.max(...readings) - Math.min(...readings)).toBeLessThanOrEqual(1);
    expect(readings[0]).toBeGreaterThan(15 * 60 - 5);
    // The phone's raw clock would be five minutes out.
    expect(Math.abs(shown(states[1]!, Date.now() + 5 * 60_000) - readings[1]!)).toBeGreaterThan(290);

    expect((await fac.send({ type: 'timer.pause', phaseId })).ok).toBe(true);
    const paused = await Promise.all([phone, board].map((c) => c.until((s) => s.timer?.status === 'paused', 'paused')));
    const frozen = shown(paused[0]!, clocks[1]!.serverNow());
    expect(shown(paused[1]!, clocks[2]!.serverNow() + 3_600_000)).toBe(frozen);
    expect((await fac.send({ type: 'timer.extend', phaseId, minutes: 5 })).ok).toBe(true);
    const extended = await phone.until((s) => s.timer?.durationMs === 20 * 60_000, 'extended');
    expect(shown(extended, 0)).toBe(frozen + 300);
    expect((await fac.send({ type: 'timer.resume', phaseId })).ok).toBe(true);
    expect((await fac.send({ type: 'timer.reset', phaseId })).ok).toBe(true);
    await board.until((s) => s.timer === null, 'reset');
    close();
  });

  it('[D41] a clock ping is answered with the server time, a few per connection; a reconnect measures again', async () => {
    const { phone, close } = await room();
    const before = Date.now();
    const answer = (await phone.socket.timeout(5_000).emitWithAck('time', {})) as number;
    expect(answer).toBeGreaterThanOrEqual(before);
    expect(answer).toBeLessThanOrEqual(Date.now());
    // Malformed pings (no ack, odd payloads) are ignored: the connection stays and still answers.
    phone.socket.emit('time');
    phone.socket.emit('time', 'x'.repeat(10_000));
    phone.socket.emit('time', { nested: [1, { a: null }] }, 'extra');
    expect(await phone.socket.timeout(5_000).emitWithAck('time', null)).toBeGreaterThanOrEqual(before);
    expect(phone.socket.connected).toBe(true);
    // A flood is not answered past its burst.
    const flood = await Promise.allSettled(Array.from({ length: 30 }, () => phone.socket.timeout(1_500).emitWithAck('time', {})));
    expect(flood.filter((r) => r.status === 'rejected').length).toBeGreaterThan(10);
    phone.socket.disconnect();
    phone.socket.connect();
    await waitFor(() => phone.socket.connected, { what: 'reconnected' });
    const clock = await clockOf(phone, 120_000);
    expect(Math.abs(clock.offset + 120_000)).toBeLessThan(1_000); // wrong by at most half the best round trip (a busy machine)
    close();
  });
});

/**
 * Two nodes on one redis-server, wired as main.ts wires them; node B's clock runs 700 ms ahead of A's
 * (nodes are assumed synchronised within a second). The facilitator starts the timer on A; a phone on B
 * with a clock five minutes off reads the same remaining time as the console on A, within the nodes' skew.
 */
describe('the timer across two nodes', () => {
  interface Node {
    server: YishiServer;
    scale: ScaleOut;
    url: string;
  }
  let backend: Backend;
  const nodes: Node[] = [];
  const SKEW_B = 700;

  beforeAll(async () => {
    backend = await startBackend('redis');
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', COMMAND_RATE: '200', COMMAND_BURST: '200', ...backend.env });
    for (const [nodeId, skew] of [['node-a', 0], ['node-b', SKEW_B]] as const) {
      const log = createLogger('silent', nodeId);
      const store = await openStore({ redisUrl: config.redisUrl ?? undefined, dataDir: config.dataDir });
      const scale = await createRedisScaleOut({ redisUrl: config.redisUrl!, nodeId, log, store, failuresPerMinute: config.joinFailuresPerMinute });
      const server = await createYishiServer({ config, store, log, webHandlerPath: null, relay: scale.relay, socketAdapter: scale.adapter, failures: scale.failures, now: () => Date.now() + skew });
      nodes.push({ server, scale, url: `http://127.0.0.1:${(await server.listen()).port}` });
    }
  });

  afterAll(async () => {
    // Every node stops serving before any lets go of Redis: a node's last presence query must not meet a closed connection.
    for (const n of nodes) await n.server.close();
    for (const n of nodes) await n.scale.close();
    await backend?.dispose();
  });

  it('[D41] started on node A, read on node B by a phone five minutes off: the same seconds (within the nodes’ skew), also after a reconnect', async () => {
    const [a, b] = nodes as [Node, Node];
    const m = await createMeeting(a.url);
    const fac = await connected(a.url, m.facilitatorToken);
    const p = await join(b.url, m.joinCode);
    const phone = await connected(b.url, p.token);
    const phaseId = fac.state!.phaseId;
    expect((await fac.send({ type: 'timer.start', phaseId, seconds: 600 })).ok).toBe(true);
    const [facClock, phoneClock] = await Promise.all([clockOf(fac, 0), clockOf(phone, -5 * 60_000)]);
    // The phone measures node B's clock.
    expect(Math.abs(phoneClock.offset - (5 * 60_000 + SKEW_B))).toBeLessThan(1_000); // wrong by at most half the best round trip (a busy machine)
    // The ack comes before the event's batch: each side reads the timer once its state holds it.
    const s = await phone.until((s) => s.timer?.status === 'running', 'running on B');
    const sa = await fac.until((s) => s.timer?.status === 'running', 'running on A');
    const onA = shown(sa, facClock.serverNow());
    const onB = shown(s, phoneClock.serverNow());
    expect(Math.abs(onA - onB)).toBeLessThanOrEqual(Math.ceil(SKEW_B / 1000) + 1);
    // Reconnect: the phone comes back with the timer and measures again.
    phone.socket.disconnect();
    expect((await fac.send({ type: 'timer.extend', phaseId, minutes: 1 })).ok).toBe(true);
    phone.socket.connect();
    const back = await phone.until((s) => s.timer?.durationMs === 660_000, 'extension seen after reconnect');
    const again = await clockOf(phone, -5 * 60_000);
    const extended = await fac.until((s) => s.timer?.durationMs === 660_000, 'extension seen on A');
    expect(Math.abs(shown(back, again.serverNow()) - shown(extended, facClock.serverNow()))).toBeLessThanOrEqual(Math.ceil(SKEW_B / 1000) + 1);
    fac.close();
    phone.close();
  });
});
