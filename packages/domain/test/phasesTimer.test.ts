import type { Actor } from '@yishi/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildMinutes,
  currentPhase,
  displaySeconds,
  evolve,
  estimateClockOffset,
  MAX_PHASES,
  projectEvent,
  projectState,
  readTimer,
  TEMPLATES,
  type Audience,
  type Block,
  type Decision,
  type EventMessage,
  type Inline,
  type LogEntry,
  type MeetingState
} from '../src/index.ts';
import { BOARD, cmd, FACILITATOR, MeetingHarness, participant, SECRETARY } from './harness.ts';
import { PEOPLE, scenarioArb, simulate, timerScenarioArb } from './scenarios.ts';

const NUM_RUNS = Number(process.env.DOMAIN_RUNS ?? 100);
const code = (d: Decision) => (d.ok ? 'ok' : d.error.code);
const field = (d: Decision) => (d.ok ? undefined : d.error.field);

/** A meeting in its marketplace (the opening has run) with one resident. */
function meeting(): MeetingHarness {
  const h = MeetingHarness.created();
  h.join('ann1');
  h.advance();
  return h;
}
const ids = (s: MeetingState) => s.phases.map((p) => p.id);

/** Runs a command that must be refused with `expected` and checks that nothing changed. */
function refused(h: MeetingHarness, command: Parameters<MeetingHarness['run']>[0], expected: string, actor: Actor = FACILITATOR, expectedField?: string) {
  const before = h.current;
  const seq = h.log.length;
  const decision = h.run(command, actor);
  expect(code(decision), JSON.stringify(command)).toBe(expected);
  if (expectedField) expect(field(decision)).toBe(expectedField);
  expect(h.current).toBe(before);
  expect(h.log.length).toBe(seq);
}

describe('phases a facilitator shapes [D38]', () => {
  it('[D38] templates are data: the open space lists its seven phases, and a meeting is built from the list', () => {
    expect(TEMPLATES['open-space'].map((p) => p.kind)).toEqual(['opening', 'marketplace', 'agenda', 'breakouts', 'harvest', 'convergence', 'closing']);
    const h = MeetingHarness.created();
    expect(h.current.phases.map((p) => [p.kind, p.timeboxMinutes])).toEqual(TEMPLATES['open-space'].map((p) => [p.kind, p.timeboxMinutes]));
    expect(h.current.phasesReached).toEqual([h.current.phaseId]);
  });

  it('[D38] rename, add (ack carries the id), timebox, reorder and remove, each reaching every view', () => {
    const h = meeting();
    const [opening, market, agenda, breakouts] = h.current.phases;
    h.must(cmd({ type: 'phase.rename', phaseId: agenda!.id, title: '排出议程表' }), FACILITATOR);
    expect(h.current.phases[2]!.title).toBe('排出议程表');
    h.must(cmd({ type: 'phase.rename', phaseId: agenda!.id, title: null }), FACILITATOR);
    expect(h.current.phases[2]!.title).toBeNull();
    const added = h.must(cmd({ type: 'phase.add', kind: 'harvest', title: '茶歇后汇报' }), FACILITATOR);
    const newId = added.events[0]!.type === 'phase.added' ? added.events[0]!.phase.id : '';
    expect(h.current.phases.at(-1)).toEqual({ id: newId, kind: 'harvest', title: '茶歇后汇报', timeboxMinutes: 30, allows: { topics: false } });
    const marketplaceLike = h.must(cmd({ type: 'phase.add', kind: 'marketplace', title: null, timeboxMinutes: null }), FACILITATOR).events[0]!;
    expect(marketplaceLike).toMatchObject({ type: 'phase.added', phase: { kind: 'marketplace', timeboxMinutes: null, allows: { topics: true } } });
    h.must(cmd({ type: 'phase.timebox', phaseId: breakouts!.id, minutes: 90 }), FACILITATOR);
    expect(h.current.phases[3]!.timeboxMinutes).toBe(90);
    const order = [market!.id, opening!.id, newId, ...ids(h.current).filter((id) => ![market!.id, opening!.id, newId].includes(id))];
    h.must(cmd({ type: 'phase.reorder', phaseIds: order }), FACILITATOR);
    expect(ids(h.current)).toEqual(order);
    expect(currentPhase(h.current).id).toBe(market!.id);
    h.must(cmd({ type: 'phase.remove', phaseId: breakouts!.id }), FACILITATOR);
    expect(ids(h.current)).not.toContain(breakouts!.id);
    // Every audience holds the same phases, folded event by event.
    for (const audience of [{ role: 'board' }, { role: 'participant', participantId: 'ann1', breakoutGroup: null }] as Audience[]) {
      expect(projectState(h.current, audience).phases).toEqual(h.current.phases);
    }
  });

  it('[D38] the current phase and a phase that has run are never removed; unknown ids, wrong orders and no-ops are refused, nothing changed', () => {
    const h = meeting();
    const [opening, market, agenda] = h.current.phases;
    refused(h, cmd({ type: 'phase.remove', phaseId: market!.id }), 'conflict', FACILITATOR, 'phaseId');
    refused(h, cmd({ type: 'phase.remove', phaseId: opening!.id }), 'conflict', FACILITATOR, 'phaseId');
    refused(h, cmd({ type: 'phase.remove', phaseId: 'nope0000' }), 'not_found', FACILITATOR, 'phaseId');
    refused(h, cmd({ type: 'phase.rename', phaseId: 'nope0000', title: 'x' }), 'not_found');
    refused(h, cmd({ type: 'phase.timebox', phaseId: '__proto__', minutes: 5 }), 'not_found');
    refused(h, cmd({ type: 'phase.rename', phaseId: agenda!.id, title: null }), 'conflict');
    refused(h, cmd({ type: 'phase.timebox', phaseId: agenda!.id, minutes: agenda!.timeboxMinutes }), 'conflict');
    const all = ids(h.current);
    refused(h, cmd({ type: 'phase.reorder', phaseIds: all }), 'conflict');
    refused(h, cmd({ type: 'phase.reorder', phaseIds: all.slice(1) }), 'invalid', FACILITATOR, 'phaseIds');
    refused(h, cmd({ type: 'phase.reorder', phaseIds: [...all.slice(1), all[1]!] }), 'invalid', FACILITATOR, 'phaseIds');
    refused(h, cmd({ type: 'phase.reorder', phaseIds: [...all.slice(1), 'nope0000'] }), 'invalid', FACILITATOR, 'phaseIds');
    // Going back and forth: a phase reached once stays reached.
    h.advance();
    h.must(cmd({ type: 'phase.back', fromPhaseId: h.current.phaseId }), FACILITATOR);
    refused(h, cmd({ type: 'phase.remove', phaseId: agenda!.id }), 'conflict');
  });

  it('[D38] only the facilitator shapes phases; at most MAX_PHASES; not after the end', () => {
    const h = meeting();
    const agenda = h.current.phases[2]!;
    for (const actor of [SECRETARY, BOARD, participant('ann1')]) {
      refused(h, cmd({ type: 'phase.rename', phaseId: agenda.id, title: 'x' }), 'forbidden', actor);
      refused(h, cmd({ type: 'phase.add', kind: 'closing', title: null }), 'forbidden', actor);
      refused(h, cmd({ type: 'phase.remove', phaseId: agenda.id }), 'forbidden', actor);
      refused(h, cmd({ type: 'phase.reorder', phaseIds: [...ids(h.current)].reverse() }), 'forbidden', actor);
      refused(h, cmd({ type: 'phase.timebox', phaseId: agenda.id, minutes: 3 }), 'forbidden', actor);
    }
    while (h.current.phases.length < MAX_PHASES) h.must(cmd({ type: 'phase.add', kind: 'closing', title: null }), FACILITATOR);
    refused(h, cmd({ type: 'phase.add', kind: 'closing', title: null }), 'too_large');
    h.must(cmd({ type: 'meeting.end' }), FACILITATOR);
    refused(h, cmd({ type: 'phase.rename', phaseId: agenda.id, title: 'x' }), 'closed');
  });

  it('[D38] property: after any sequence of commands the phase ids are unique, the current phase and every reached one are among them', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        simulate(scenario, {
          entry: ({ after }) => {
            const all = ids(after);
            expect(new Set(all).size).toBe(all.length);
            expect(all).toContain(after.phaseId);
            for (const id of after.phasesReached) expect(all).toContain(id);
            expect(after.phases.length).toBeLessThanOrEqual(MAX_PHASES);
            // The timer, when there is one, is the current phase's [D40].
            if (after.timer !== null) expect(after.timer.phaseId).toBe(after.phaseId);
          }
        });
      }),
      { numRuns: NUM_RUNS }
    );
  });
});

const inlineText = (inlines: readonly Inline[]) => inlines.map((i) => (typeof i === 'string' ? i : i.text)).join('');
function agendaRows(log: EventMessage[]): string[] {
  const entries: LogEntry[] = log.map((e, i) => ({ ...e, actor: e.actor!, commandId: null, prevHash: String(i).padStart(64, '0'), hash: String(i + 1).padStart(64, '0') }));
  const doc = buildMinutes(entries, { verifyUrl: 'u' });
  const i = doc.blocks.findIndex((b) => b.kind === 'heading' && b.text === '议程执行情况');
  const table = doc.blocks[i + 1] as Extract<Block, { kind: 'table' }>;
  return table.rows.map((row) => row.map(inlineText).join(' | '));
}

describe('the agenda as it ran [D39]', () => {
  it('[D39] each run named as it was when it ended, a later rename not rewriting it; added phases listed, removed ones not', () => {
    const h = MeetingHarness.created();
    const [opening, market, , breakouts] = h.current.phases;
    h.must(cmd({ type: 'phase.rename', phaseId: opening!.id, title: '欢迎' }), FACILITATOR);
    h.advance();
    h.must(cmd({ type: 'phase.rename', phaseId: opening!.id, title: '后来改的名字' }), FACILITATOR);
    h.must(cmd({ type: 'phase.rename', phaseId: market!.id, title: '摆摊' }), FACILITATOR);
    h.must(cmd({ type: 'phase.remove', phaseId: breakouts!.id }), FACILITATOR);
    h.must(cmd({ type: 'phase.add', kind: 'harvest', title: '加开一轮' }), FACILITATOR);
    const rows = agendaRows(h.log);
    expect(rows[0]).toMatch(/^欢迎 \| \d\d:\d\d \| \d\d:\d\d$/);
    expect(rows[1]).toMatch(/^摆摊 \| \d\d:\d\d \| 进行中$/);
    expect(rows.slice(2)).toEqual(['排议程 | 未进行 | —', '成果汇报 | 未进行 | —', '聚焦投票 | 未进行 | —', '总结闭幕 | 未进行 | —', '加开一轮 | 未进行 | —']);
    expect(rows.join('\n')).not.toContain('分组讨论');
  });
});

describe('the phase timer [D40]', () => {
  it('[D40] start counts down the timebox from the server clock; pause freezes; resume runs on; extend adds; reset puts it back', () => {
    const h = meeting();
    const phaseId = h.current.phaseId;
    const started = h.must(cmd({ type: 'timer.start', phaseId }), FACILITATOR).events[0]!;
    expect(started).toEqual({ type: 'timer.started', phaseId, durationMs: 30 * 60_000, endsAt: h.now + 30 * 60_000 });
    expect(readTimer(h.current, h.now + 60_000)).toMatchObject({ status: 'running', remainingMs: 29 * 60_000 });
    h.now += 9_000; // `run` adds one more second: paused 10 s after the start
    h.must(cmd({ type: 'timer.pause', phaseId }), FACILITATOR);
    expect(h.current.timer).toMatchObject({ status: 'paused', remainingMs: 30 * 60_000 - 10_000 });
    // Paused: the same whatever the time.
    expect(readTimer(h.current, h.now + 3_600_000).remainingMs).toBe(30 * 60_000 - 10_000);
    h.must(cmd({ type: 'timer.extend', phaseId, minutes: 5 }), FACILITATOR);
    expect(h.current.timer).toMatchObject({ status: 'paused', remainingMs: 35 * 60_000 - 10_000, durationMs: 35 * 60_000 });
    h.must(cmd({ type: 'timer.resume', phaseId }), FACILITATOR);
    expect(h.current.timer).toMatchObject({ status: 'running', endsAt: h.now + 35 * 60_000 - 10_000 });
    h.must(cmd({ type: 'timer.extend', phaseId, minutes: 1 }), FACILITATOR);
    expect(h.current.timer).toMatchObject({ status: 'running', endsAt: h.now - 1000 + 36 * 60_000 - 10_000 });
    h.must(cmd({ type: 'timer.reset', phaseId }), FACILITATOR);
    expect(h.current.timer).toBeNull();
    expect(readTimer(h.current, 0)).toEqual({ phaseId, status: 'idle', remainingMs: 30 * 60_000, durationMs: 30 * 60_000 });
  });

  it('[D40] a phase move and the end stop the timer; seconds for a phase without a timebox', () => {
    const h = meeting();
    h.must(cmd({ type: 'timer.start', phaseId: h.current.phaseId, seconds: 90 }), FACILITATOR);
    expect(h.current.timer).toMatchObject({ durationMs: 90_000 });
    h.advance();
    expect(h.current.timer).toBeNull();
    h.must(cmd({ type: 'phase.timebox', phaseId: h.current.phaseId, minutes: null }), FACILITATOR);
    refused(h, cmd({ type: 'timer.start', phaseId: h.current.phaseId }), 'invalid', FACILITATOR, 'seconds');
    expect(readTimer(h.current, 0)).toMatchObject({ status: 'idle', remainingMs: null });
    h.must(cmd({ type: 'timer.start', phaseId: h.current.phaseId, seconds: 5 }), FACILITATOR);
    h.must(cmd({ type: 'meeting.end' }), FACILITATOR);
    expect(h.current.timer).toBeNull();
  });

  it('[D40] refused: another role, an unknown or another phase, the wrong state, past eight hours; nothing changed', () => {
    const h = meeting();
    const phaseId = h.current.phaseId;
    const other = h.current.phases[3]!.id;
    for (const actor of [SECRETARY, BOARD, participant('ann1')]) refused(h, cmd({ type: 'timer.start', phaseId }), 'forbidden', actor);
    refused(h, cmd({ type: 'timer.start', phaseId: 'nope0000' }), 'not_found', FACILITATOR, 'phaseId');
    refused(h, cmd({ type: 'timer.start', phaseId: other }), 'conflict', FACILITATOR, 'phaseId');
    for (const type of ['timer.pause', 'timer.resume', 'timer.reset'] as const) refused(h, cmd({ type, phaseId }), 'conflict');
    refused(h, cmd({ type: 'timer.extend', phaseId, minutes: 1 }), 'conflict');
    h.must(cmd({ type: 'timer.start', phaseId }), FACILITATOR);
    refused(h, cmd({ type: 'timer.start', phaseId }), 'conflict');
    refused(h, cmd({ type: 'timer.resume', phaseId }), 'conflict');
    refused(h, cmd({ type: 'timer.pause', phaseId: other }), 'conflict');
    for (let i = 0; i < 7; i++) h.must(cmd({ type: 'timer.extend', phaseId, minutes: 60 }), FACILITATOR);
    refused(h, cmd({ type: 'timer.extend', phaseId, minutes: 60 }), 'invalid', FACILITATOR, 'minutes');
    h.must(cmd({ type: 'timer.pause', phaseId }), FACILITATOR);
    refused(h, cmd({ type: 'timer.pause', phaseId }), 'conflict');
  });

  it('[D40] pausing in overrun freezes a negative remaining time, which a screen shows as overrun', () => {
    const h = meeting();
    const phaseId = h.current.phaseId;
    h.must(cmd({ type: 'timer.start', phaseId, seconds: 2 }), FACILITATOR);
    h.now += 60_000;
    h.must(cmd({ type: 'timer.pause', phaseId }), FACILITATOR);
    expect(h.current.timer).toMatchObject({ status: 'paused', remainingMs: -59_000 });
    expect(displaySeconds(readTimer(h.current, 0).remainingMs!)).toEqual({ overrun: true, seconds: 59 });
  });
});

const AUDIENCES: readonly Audience[] = [{ role: 'facilitator' }, { role: 'board' }, ...PEOPLE.map((participantId): Audience => ({ role: 'participant', participantId, breakoutGroup: null }))];

/** What a device shows: signed whole seconds (negative: overrun), or null when nothing counts. */
function shown(state: MeetingState, serverNow: number): number | null {
  const ms = readTimer(state, serverNow).remainingMs;
  if (ms === null) return null;
  const d = displaySeconds(ms);
  return d.overrun ? -d.seconds : d.seconds;
}

describe('one timer on every screen [D41]', () => {
  const covered = { idle: 0, running: 0, paused: 0 };
  it('[D41] property: the timer folded from each audience’s events reads the same as the full state, for any clock offset measured from any pings', () => {
    const skewArb = fc.integer({ min: -3_600_000, max: 3_600_000 });
    // Each ping's two legs: at most 150 ms each way, not necessarily alike.
    const pingsArb = fc.array(fc.record({ up: fc.integer({ min: 0, max: 150 }), down: fc.integer({ min: 0, max: 150 }) }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(fc.oneof(scenarioArb, timerScenarioArb), fc.array(fc.record({ skew: skewArb, pings: pingsArb }), { minLength: 2, maxLength: 4 }), fc.integer({ min: -120_000, max: 3_600_000 }), (scenario, devices, probe) => {
        const views = new Map<Audience, MeetingState | null>(AUDIENCES.map((a) => [a, null]));
        simulate(scenario, {
          entry: ({ before, after, entry }) => {
            for (const audience of AUDIENCES) {
              const view = views.get(audience) ?? null;
              if (view === null) {
                // A view begins with a snapshot (a participant's from their own join on) [D5].
                if (audience.role !== 'participant' || after.participants.has(audience.participantId)) views.set(audience, projectState(after, audience));
                continue;
              }
              const message = projectEvent(before, after, entry, audience);
              views.set(audience, message === null ? { ...view, seq: entry.seq } : evolve(view, message));
            }
            const serverNow = entry.at + probe;
            const expected = readTimer(after, serverNow);
            covered[expected.status]++;
            for (const [, view] of views) if (view !== null) expect(readTimer(view, serverNow)).toEqual(expected);
            if (expected.status !== 'running') return;
            // Devices whose clocks are off by anything, each measuring its offset with its own pings.
            const truth = shown(after, serverNow)!;
            for (const { skew, pings } of devices) {
              let t = serverNow - 10_000;
              const samples = pings.map(({ up, down }) => {
                const sample = { t0: t + skew, server: t + up, t1: t + up + down + skew };
                t += up + down + 5;
                return sample;
              });
              const best = estimateClockOffset(samples)!;
              const estimated = serverNow + skew + best.offset;
              expect(Math.abs(estimated - serverNow)).toBeLessThanOrEqual(best.roundTrip / 2);
              // Within half a round trip (≤ 150 ms) of the server's reading: at most a second apart on a display.
              expect(Math.abs(shown(after, estimated)! - truth)).toBeLessThanOrEqual(1);
            }
          }
        });
      }),
      { numRuns: NUM_RUNS }
    );
    // The random meetings reach running and paused timers, not only idle ones.
    expect(covered.running).toBeGreaterThan(NUM_RUNS);
    expect(covered.paused).toBeGreaterThan(NUM_RUNS / 5);
  });

  it('[D41] with symmetric pings the offset is exact, whatever the device clock says', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 6 }), (skew, legs) => {
        const serverAt = 1_800_000_000_000;
        const samples = legs.map((leg, i) => ({ t0: serverAt + i * 1000 + skew - leg, server: serverAt + i * 1000, t1: serverAt + i * 1000 + skew + leg }));
        expect(estimateClockOffset(samples)!.offset + skew).toBe(0);
      })
    );
    expect(estimateClockOffset([])).toBeNull();
    expect(estimateClockOffset([{ t0: 10, server: 5, t1: 5 }])).toBeNull(); // an answer before its question is not a sample
  });
});

describe('what a screen shows [D42]', () => {
  it('[D42] whole seconds rounded up while time is left; at zero the time is up and the overrun counts up', () => {
    expect(displaySeconds(90_000)).toEqual({ overrun: false, seconds: 90 });
    expect(displaySeconds(89_001)).toEqual({ overrun: false, seconds: 90 });
    expect(displaySeconds(1)).toEqual({ overrun: false, seconds: 1 });
    expect(displaySeconds(0)).toEqual({ overrun: true, seconds: 0 });
    expect(displaySeconds(-999)).toEqual({ overrun: true, seconds: 0 });
    expect(displaySeconds(-61_000)).toEqual({ overrun: true, seconds: 61 });
  });

  it('[D42] running out of time refuses nothing: the phase moves on and topics are still posted', () => {
    const h = meeting();
    h.must(cmd({ type: 'timer.start', phaseId: h.current.phaseId, seconds: 1 }), FACILITATOR);
    h.now += 600_000;
    expect(code(h.run(cmd({ type: 'topic.post', title: '超时后的议题', description: '' }), participant('ann1')))).toBe('ok');
    expect(h.current.timer).toMatchObject({ status: 'running' });
    h.advance();
  });
});
