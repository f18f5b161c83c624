import type { Actor } from '@yishi/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceSeq, convenersOf, decide, evolve, MAX_OPEN_TOPICS_PER_PARTICIPANT, permits, projectEvent, projectShared, projectState, replay, reviveState, supersededAsSkips, visibleTopics, type Audience, type EventMessage, type MeetingState, type MeetingStateJSON, type Command, type Topic } from '../src/index.ts';
import { buildIndex } from '../src/indexes.ts';
import { makeCtx, PEOPLE, scenarioArb, simulate, STAFF_ONLY_TEXTS, type Scenario } from './scenarios.ts';

const AUDIENCES: readonly Audience[] = [
  { role: 'facilitator' },
  { role: 'secretary' },
  { role: 'board' },
  ...PEOPLE.map((participantId): Audience => ({ role: 'participant', participantId, breakoutGroup: null }))
];
const REDACTED_AUDIENCES = AUDIENCES.filter((a) => a.role === 'board' || a.role === 'participant');
const NUM_RUNS = Number(process.env.DOMAIN_RUNS ?? 150);

/** A state as a snapshot carries it (JSON) and as its reader gets it back. */
const roundTrip = (state: MeetingState) => reviveState(JSON.parse(JSON.stringify(state)) as MeetingStateJSON);

/** Staff may still complete the record after the end; nothing else is taken from anyone. */
const RECORD_AFTER_END: readonly Command['type'][] = [
  'participant.rename',
  'topic.postFor',
  'topic.edit',
  'topic.withdraw',
  'paper.add',
  'paper.remove',
  'record.details.set',
  'record.notes.set',
  'minutes.publish',
  'minutes.unpublish',
  'document.create',
  'document.rename',
  'document.access.set'
];
/** What the secretary keeps for the record: paper participants, the minutes' fields and notes. */
const SECRETARY_RECORD: readonly Command['type'][] = ['paper.add', 'paper.remove', 'record.details.set', 'record.notes.set', 'document.create', 'document.rename', 'document.access.set'];
const isStaff = (actor: Actor) => actor.role === 'facilitator' || actor.role === 'secretary';

/** The rights as the design states them, written independently of the domain's table. */
function mayIssue(state: MeetingState, command: Command, actor: Actor): boolean {
  const topicOf = (topicId: string) => state.topics.get(topicId);
  // Staff correct only topics staff entered from a paper slip (a named convener), never a participant's own.
  const staffMayAmend = (topicId: string) => topicOf(topicId)?.convener.kind !== 'participant';
  switch (actor.role) {
    case 'board':
      return false;
    case 'secretary':
      if (command.type === 'topic.edit' || command.type === 'topic.withdraw') return staffMayAmend(command.topicId);
      return command.type === 'topic.postFor' || command.type === 'participant.rename' || SECRETARY_RECORD.includes(command.type);
    case 'system':
      return command.type === 'meeting.create' || command.type === 'participant.join';
    case 'facilitator':
      if (command.type === 'topic.edit' || command.type === 'topic.withdraw') return staffMayAmend(command.topicId);
      return !['topic.post', 'participant.join'].includes(command.type);
    case 'participant': {
      const me = state.participants.get(actor.participantId);
      if (me?.removed) return false;
      if (command.type === 'participant.join') return command.participantId === actor.participantId;
      if (me === undefined) return false;
      if (command.type === 'topic.post') return true;
      if (command.type === 'topic.edit' || command.type === 'topic.withdraw') {
        const topic = topicOf(command.topicId);
        return topic === undefined || (topic.convener.kind === 'participant' && topic.convener.participantId === actor.participantId);
      }
      return false;
    }
  }
}

/**
 * Runs a property over NUM_RUNS random meetings. With `covered`, further batches follow (four in all at
 * most) until it holds: the coverage checks after a property catch a generator that stops reaching a
 * case, and must not fail on one unlucky seed (a meeting that ends and then has staff complete the
 * record is rare: 10 to 47 such changes per 150 runs were seen).
 */
function run(predicate: (scenario: Scenario) => void, covered: () => boolean = () => true): void {
  for (let batch = 0; batch < 4; batch++) {
    fc.assert(fc.property(scenarioArb, predicate), { numRuns: NUM_RUNS });
    if (covered()) return;
  }
}

describe('domain properties', () => {
  it('[D1] a JSON snapshot taken mid-way plus the tail equals replaying the whole log', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (scenario, cut) => {
        const { log, state } = simulate(scenario);
        const k = 1 + (cut % log.length);
        const snapshot = roundTrip(replay(log.slice(0, k))!);
        expect(replay(log.slice(k), snapshot)).toStrictEqual(replay(log));
        expect(replay(log)).toStrictEqual(state);
        expect(roundTrip(state)).toStrictEqual(state);
      }),
      { numRuns: NUM_RUNS }
    );
  });

  it('[D2] a command from a role without the right returns an error and changes nothing', () => {
    let refusedForRole = 0;
    run((scenario) => {
      simulate(scenario, {
        step: ({ before, command, actor, decision }) => {
          if (mayIssue(before, command, actor)) return;
          refusedForRole++;
          const over = before.ended && !(isStaff(actor) && RECORD_AFTER_END.includes(command.type));
          expect(decision).toMatchObject({ ok: false, error: { code: over ? 'closed' : 'forbidden' } });
          expect(decision).not.toHaveProperty('events');
          // `before` is deep-frozen, so decide could not have written to it; an unfrozen copy stays equal too.
          const copy = roundTrip(before);
          decide(copy, command, actor, makeCtx(0, 0));
          expect(copy).toStrictEqual(before);
        }
      });
    }, () => refusedForRole > NUM_RUNS);
    expect(refusedForRole).toBeGreaterThan(NUM_RUNS);
  });

  it('[D3] merged topics keep every convener; a topic merged into nothing has just its own', () => {
    let checkedMerges = 0;
    run((scenario) => {
      simulate(scenario, {
        entry: ({ after }) => {
          const targets = new Set<string>();
          for (const merge of after.merges.values()) {
            if (!merge.active) continue;
            targets.add(merge.targetId);
            const conveners = convenersOf(after, merge.targetId);
            expect(conveners[0]).toEqual(after.topics.get(merge.targetId)?.convener);
            for (const sourceId of merge.sourceIds) expect(conveners).toContainEqual(after.topics.get(sourceId)?.convener);
            checkedMerges++;
          }
          for (const topic of after.topics.values()) {
            if (!targets.has(topic.id)) expect(convenersOf(after, topic.id)).toEqual([topic.convener]);
          }
        }
      });
    }, () => checkedMerges > NUM_RUNS / 3);
    // The generator reaches active merges ~270 times per 150 runs (seen as low as 166); a loose bound keeps
    // this coverage check from failing on an unlucky seed while still catching a generator that stops merging.
    expect(checkedMerges).toBeGreaterThan(NUM_RUNS / 3);
  });

  it('[D4] a withdrawn or hidden topic is never in projectState or visibleTopics for participants or the board (but its own convener keeps a hidden one, flagged)', () => {
    let redactedSeen = 0;
    run((scenario) => {
      simulate(scenario, {
        entry: ({ after }) => {
          for (const audience of REDACTED_AUDIENCES) {
            const self = audience.role === 'participant' ? audience.participantId : null;
            const ownHidden = (t: Topic) => t.hidden && !t.withdrawn && t.convener.kind === 'participant' && t.convener.participantId === self;
            const redacted = [...after.topics.values()].filter((t) => (t.hidden || t.withdrawn) && !ownHidden(t)).map((t) => t.id);
            const published = [...after.topics.values()].filter((t) => (!t.hidden && !t.withdrawn) || ownHidden(t)).map((t) => t.id);
            redactedSeen += redacted.length;
            const view = projectState(after, audience);
            expect([...view.topics.keys()].sort()).toEqual([...published].sort());
            for (const rows of [visibleTopics(after, audience), visibleTopics(view, audience)]) {
              const shown = rows.flatMap((r) => [r.topic, ...r.merges.flatMap((m) => m.sources)]);
              expect(shown.filter((t) => redacted.includes(t.id))).toEqual([]);
              expect(shown.map((t) => t.id).sort()).toEqual([...published].sort());
            }
            expect(visibleTopics(view, audience)).toEqual(visibleTopics(after, audience));
          }
        }
      });
    }, () => redactedSeen > NUM_RUNS);
    expect(redactedSeen).toBeGreaterThan(NUM_RUNS);
  });

  it('[D5] for every audience, projecting the state after an entry equals folding the projected entry into the projected state before', () => {
    let dropped = 0;
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (scenario, cut) => {
        // Each audience also follows the stream as a client would, from a projected JSON snapshot.
        const clients = new Map<Audience, MeetingState>();
        const snapshotAt = 1 + (cut % 40);
        simulate(scenario, {
          entry: ({ before, after, entry }) => {
            for (const audience of AUDIENCES) {
              const projected = projectEvent(before, after, entry, audience);
              const expected = projectState(after, audience);
              if (before === null) {
                // meeting.created: a client starts from a projected snapshot, so the law starts there.
                if (projected === null) throw new Error('meeting.created was dropped');
                expect(projectState(evolve(null, projected), audience)).toStrictEqual(expected);
                clients.set(audience, expected);
                continue;
              }
              if (audience.role === 'participant' && entry.event.type === 'participant.joined' && entry.event.participantId === audience.participantId) {
                // Their own join: their view begins with the snapshot their first connection gets.
                clients.set(audience, expected);
                continue;
              }
              const from = projectState(before, audience);
              if (projected === null) {
                dropped++;
                expect(advanceSeq(from, entry.seq)).toStrictEqual(expected);
              } else {
                expect(evolve(from, projected)).toStrictEqual(expected);
              }
              const previous = clients.get(audience);
              if (!previous) throw new Error('client has no state');
              let client = projected === null ? advanceSeq(previous, entry.seq) : evolve(previous, projected);
              if (entry.seq === snapshotAt) client = roundTrip(expected);
              expect(client).toStrictEqual(expected);
              clients.set(audience, client);
            }
          }
        });
      }),
      { numRuns: NUM_RUNS }
    );
    expect(dropped).toBeGreaterThan(0);
  }, 120_000); // the heaviest property: every audience folded at every entry; on a busy 2-core machine it takes well over the default 30 s

  it('[D20] a batch sent with the head counts a later one states again given as skips folds, for every audience, to the same view', () => {
    let superseded = 0;
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }), (scenario, sizes) => {
        const streams = new Map<Audience, (EventMessage | number)[]>(AUDIENCES.map((a) => [a, []]));
        const seen: { start: Map<Audience, MeetingState> | null; last: MeetingState | null } = { start: null, last: null };
        simulate(scenario, {
          entry: ({ before, after, entry }) => {
            seen.last = after;
            if (before === null) {
              seen.start = new Map(AUDIENCES.map((a) => [a, projectState(after, a)]));
              return;
            }
            for (const audience of AUDIENCES) {
              if (audience.role === 'participant' && entry.event.type === 'participant.joined' && entry.event.participantId === audience.participantId) {
                // Their view begins with the snapshot their first connection gets [D5].
                seen.start!.set(audience, projectState(after, audience));
                streams.set(audience, []);
                continue;
              }
              streams.get(audience)!.push(projectEvent(before, after, entry, audience) ?? entry.seq);
            }
          }
        });
        const { start, last } = seen;
        if (!start || !last) return;
        for (const audience of AUDIENCES) {
          // The stream cut into batches as the server's windows would cut it, each batch coalesced.
          const stream = streams.get(audience)!;
          let view = start.get(audience)!;
          for (let at = 0, b = 0; at < stream.length; b++) {
            const batch = stream.slice(at, at + sizes[b % sizes.length]!);
            at += batch.length;
            const sent = supersededAsSkips(batch);
            superseded += sent.filter((item, i) => typeof item === 'number' && typeof batch[i] !== 'number').length;
            for (const item of sent) view = typeof item === 'number' ? advanceSeq(view, item) : evolve(view, item);
          }
          expect(view).toStrictEqual(projectState(last, audience));
        }
      }),
      { numRuns: NUM_RUNS }
    );
    expect(superseded).toBeGreaterThan(0);
  });

  it('[D6] decide is deterministic and pure: same state, command and context give the same result; the state is not touched', () => {
    run((scenario) => {
      simulate(scenario, {
        step: ({ before, command, actor, decision, idStart, now }) => {
          // `before` is deep-frozen: a write inside decide would have thrown already.
          const json = JSON.stringify(before);
          expect(decide(before, command, actor, makeCtx(idStart, now))).toStrictEqual(decision);
          expect(decide(reviveState(JSON.parse(json) as MeetingStateJSON), command, actor, makeCtx(idStart, now))).toStrictEqual(decision);
          expect(JSON.stringify(before)).toBe(json);
        }
      });
    });
  });

  it('[D7] structural invariants: merges are one level deep, merged topics stand, topic caps hold, seq counts the log', () => {
    run((scenario) => {
      const { log, state } = simulate(scenario, {
        entry: ({ after, entry }) => {
          expect(after.seq).toBe(entry.seq);
          expect(after.phases.map((p) => p.id)).toContain(after.phaseId);
          const active = [...after.merges.values()].filter((m) => m.active);
          const sources = active.flatMap((m) => m.sourceIds);
          expect(new Set(sources).size).toBe(sources.length);
          for (const merge of active) {
            expect(sources).not.toContain(merge.targetId);
            for (const id of [merge.targetId, ...merge.sourceIds]) expect(after.topics.get(id)?.withdrawn).toBe(false);
          }
          for (const who of PEOPLE) {
            const standing = [...after.topics.values()].filter((t) => !t.withdrawn && t.convener.kind === 'participant' && t.convener.participantId === who);
            expect(standing.length).toBeLessThanOrEqual(MAX_OPEN_TOPICS_PER_PARTICIPANT);
          }
        }
      });
      expect(state.seq).toBe(log.length);
      expect(log.filter((e) => e.event.type === 'meeting.ended').length).toBeLessThanOrEqual(1);
    });
  });

  it('[D8] after the end only staff completing the record is accepted, and each change it makes is marked as made after the end', () => {
    let amendedAfterEnd = 0;
    run((scenario) => {
      simulate(scenario, {
        step: ({ before, command, actor, decision }) => {
          if (!before.ended || !decision.ok) return;
          expect(isStaff(actor) && RECORD_AFTER_END.includes(command.type), `${actor.role} ${command.type}`).toBe(true);
          amendedAfterEnd++;
        },
        entry: ({ before, after, entry }) => {
          const event = entry.event;
          if (!after.ended) {
            expect([...after.topics.values()].filter((t) => t.amendedAfterEnd)).toEqual([]);
            expect([...after.participants.values()].filter((p) => p.amendedAfterEnd)).toEqual([]);
            expect([...after.paper.values()].filter((p) => p.amendedAfterEnd)).toEqual([]);
          } else if (before?.ended === true) {
            if (event.type === 'participant.renamed') expect(after.participants.get(event.participantId)?.amendedAfterEnd).toBe(true);
            if (event.type === 'paper.added') expect(after.paper.get(event.paperId)?.amendedAfterEnd).toBe(true);
            if (event.type === 'topic.posted' || event.type === 'topic.edited' || event.type === 'topic.withdrawn') {
              expect(after.topics.get(event.topicId)?.amendedAfterEnd).toBe(true);
            }
          }
        }
      });
    }, () => amendedAfterEnd > NUM_RUNS / 15);
    // Seen 26-38 per 150 runs (staff changes after an end); the loose bound only catches a generator that stops reaching them.
    expect(amendedAfterEnd).toBeGreaterThan(NUM_RUNS / 15);
  });

  it('[D10] the board spotlight is always a topic every audience may see and not merged away; public views hold it too', () => {
    let spotlit = 0;
    run((scenario) => {
      simulate(scenario, {
        entry: ({ after }) => {
          if (after.spotlight === null) return;
          spotlit++;
          const topic = after.topics.get(after.spotlight);
          expect(topic?.hidden).toBe(false);
          expect(topic?.withdrawn).toBe(false);
          expect(after.ended).toBe(false);
          expect([...after.merges.values()].filter((m) => m.active && m.sourceIds.includes(after.spotlight!))).toEqual([]);
          for (const audience of REDACTED_AUDIENCES) expect(projectState(after, audience).spotlight).toBe(after.spotlight);
        }
      });
    }, () => spotlit > NUM_RUNS);
    // Seen 230-310 spotlit states per 150 runs.
    expect(spotlit).toBeGreaterThan(NUM_RUNS);
  });

  it('[D12] permits, which the screens ask before offering a control, answers exactly as decide does', () => {
    let accepted = 0;
    run((scenario) => {
      simulate(scenario, {
        step: ({ before, command, actor, decision }) => {
          expect(permits(before, command, actor), `${actor.role} ${command.type}`).toBe(decision.ok);
          if (decision.ok) accepted++;
        }
      });
    }, () => accepted > NUM_RUNS);
    expect(accepted).toBeGreaterThan(NUM_RUNS);
  });

  it('[D13] the index a state carries equals the one built from its records, on the server and on every folded view', () => {
    let indexed = 0;
    run((scenario) => {
      const views = new Map<Audience, MeetingState>();
      simulate(scenario, {
        entry: ({ before, after, entry }) => {
          expect(after.index).toStrictEqual(buildIndex(after.topics, after.merges));
          for (const audience of REDACTED_AUDIENCES) {
            const held = views.get(audience);
            const projected = projectEvent(before, after, entry, audience);
            const view = held === undefined ? projectState(after, audience) : projected === null ? advanceSeq(held, entry.seq) : evolve(held, projected);
            expect(view.index).toStrictEqual(buildIndex(view.topics, view.merges));
            views.set(audience, view);
          }
          if (after.index.mergesInto.size > 0 && after.index.openTopics.size > 0) indexed++;
        }
      });
    }, () => indexed > NUM_RUNS);
    // Seen in most runs; the bound only catches a generator that stops merging or posting.
    expect(indexed).toBeGreaterThan(NUM_RUNS);
  });

  it('[D14] a public view holds head counts per group, its own participant on a phone, and names only the conveners of its topics', () => {
    let hiddenPeople = 0;
    run((scenario) => {
      simulate(scenario, {
        entry: ({ after }) => {
          const everyone = [...after.participants.values()];
          const present = Object.fromEntries(after.groups.map((g) => [g, everyone.filter((p) => p.group === g && !p.removed).length]));
          expect(after.attendance.toJSON()).toEqual(present);
          // Whom the hall sees, kept in the index by evolve: the public topics each participant convenes.
          const convening: Record<string, number> = {};
          for (const t of after.topics.values()) {
            if (!t.hidden && !t.withdrawn && t.convener.kind === 'participant') convening[t.convener.participantId] = (convening[t.convener.participantId] ?? 0) + 1;
          }
          expect(after.index.publicTopics.toJSON()).toEqual(convening);
          for (const audience of REDACTED_AUDIENCES) {
            const view = projectState(after, audience);
            const self = audience.role === 'participant' ? audience.participantId : null;
            const conveners = [...view.topics.values()].flatMap((t) => (t.convener.kind === 'participant' ? [t.convener.participantId] : []));
            // Its own record, whole, on a phone; the conveners of its topics by name and group; nobody else.
            const joined = self !== null && after.participants.has(self);
            expect([...view.participants.keys()]).toEqual(joined ? [self] : []);
            if (joined) expect(view.participants.get(self)).toEqual(after.participants.get(self));
            const named = [...after.participants.keys()].filter((id) => conveners.includes(id));
            expect([...view.people.keys()].sort()).toEqual(named.sort());
            for (const id of named) expect(view.people.get(id)).toEqual({ name: after.participants.get(id)!.name, group: after.participants.get(id)!.group });
            expect(view.attendance.toJSON()).toEqual(present);
            hiddenPeople += after.participants.size - named.length;
          }
        }
      });
    }, () => hiddenPeople > NUM_RUNS);
    expect(hiddenPeople).toBeGreaterThan(NUM_RUNS);
  });

  it('[D15] a private part made for one participant never reaches another: everyone else receives the shared part (or their own)', () => {
    let privateParts = 0;
    run((scenario) => {
      simulate(scenario, {
        entry: ({ before, after, entry }) => {
          const delivery = projectShared(before, after, entry, { role: 'participant', breakoutGroup: null });
          const owners = delivery.private.map((part) => part.participantId);
          expect(new Set(owners).size).toBe(owners.length);
          privateParts += owners.length;
          for (const someone of [...PEOPLE, 'nobody9']) {
            const got = projectEvent(before, after, entry, { role: 'participant', participantId: someone, breakoutGroup: null });
            const mine = delivery.private.find((part) => part.participantId === someone);
            expect(got).toEqual(mine === undefined ? delivery.shared : mine.message);
          }
          // The board never receives a private part either.
          expect(projectEvent(before, after, entry, { role: 'board' })).toEqual(projectShared(before, after, entry, { role: 'board' }).shared);
        }
      });
    }, () => privateParts > NUM_RUNS);
    expect(privateParts).toBeGreaterThan(NUM_RUNS);
  });

  it('[D16] a redacted field never appears in a message to an audience that may not see it: the people a view does not hold, hidden topics, private actors', () => {
    // The events whose actor the public may see: a topic's convener (or staff entering a slip), independently of the domain's table.
    const PUBLIC_ACTOR = ['topic.posted', 'topic.edited', 'topic.withdrawn'];
    let checked = 0;
    run((scenario) => {
      simulate(scenario, {
        entry: ({ before, after, entry }) => {
          if (before === null) return;
          for (const audience of REDACTED_AUDIENCES) {
            const from = projectState(before, audience);
            const to = projectState(after, audience);
            const message = projectEvent(before, after, entry, audience);
            const wire = [JSON.stringify(to), JSON.stringify(message)];
            // A person the view holds neither before nor after: not their id, not their name (names carry the id here).
            for (const id of after.participants.keys()) {
              const holds = (view: MeetingState) => view.participants.has(id) || view.people.has(id);
              if (holds(from) || holds(to)) continue;
              checked++;
              for (const text of wire) expect(text).not.toContain(id);
              const name = after.participants.get(id)!.name;
              // ('新名字' is every renamed person's name: checked only where nobody the view holds bears it.)
              if (![...to.participants.values(), ...to.people.values()].some((p) => p.name === name)) for (const text of wire) expect(text).not.toContain(name);
            }
            if (message === null) continue;
            // A topic the view holds neither before nor after is never the subject of a message (merges name ids only).
            const event = message.event as { topicId?: string | null; topic?: { id: string } };
            for (const topicId of [event.topicId, event.topic?.id]) {
              if (typeof topicId === 'string') expect(from.topics.has(topicId) || to.topics.has(topicId)).toBe(true);
            }
            expect(message.actor).toEqual(PUBLIC_ACTOR.includes(message.event.type) ? entry.actor : null);
          }
        }
      });
    }, () => checked > NUM_RUNS);
    expect(checked).toBeGreaterThan(NUM_RUNS);
  });

  it('[D17] every view holds the paper head count per group, equal to the full state\'s declarations; the full state holds each declaration', () => {
    let declared = 0;
    run((scenario) => {
      simulate(scenario, {
        entry: ({ after }) => {
          const counts = Object.fromEntries(after.groups.map((g) => [g, 0]));
          for (const p of after.paper.values()) {
            expect(p.count).toBe(p.name === null ? p.count : 1);
            expect(p.count).toBeGreaterThanOrEqual(1);
            counts[p.group] = (counts[p.group] ?? 0) + p.count;
            declared++;
          }
          expect(after.paperCount.toJSON()).toEqual(counts);
          for (const audience of AUDIENCES) expect(projectState(after, audience).paperCount.toJSON()).toEqual(counts);
        }
      });
    }, () => declared > NUM_RUNS);
    expect(declared).toBeGreaterThan(NUM_RUNS);
  });

  it('[D18] no paper participant\'s name, no record field and no notes text ever reach a participant or the board; they hold the paper counts and the published flag', () => {
    let secretsHeld = 0;
    let published = 0;
    run((scenario) => {
      simulate(scenario, {
        entry: ({ before, after, entry }) => {
          const secrets = STAFF_ONLY_TEXTS.filter((text) => JSON.stringify(after).includes(text));
          secretsHeld += secrets.length;
          if (after.minutesPublished) published++;
          for (const audience of REDACTED_AUDIENCES) {
            const view = projectState(after, audience);
            expect(view.record).toBeNull();
            expect(view.paper.size).toBe(0);
            expect(view.minutesPublished).toBe(after.minutesPublished);
            const message = before === null ? null : projectEvent(before, after, entry, audience);
            const wire = [JSON.stringify(view), JSON.stringify(message)];
            if (before !== null) wire.push(JSON.stringify(projectShared(before, after, entry, audience.role === 'board' ? audience : { role: 'participant', breakoutGroup: null })));
            for (const text of wire) for (const secret of STAFF_ONLY_TEXTS) expect(text).not.toContain(secret);
          }
          // The staff hold all of it.
          for (const audience of AUDIENCES.filter((a) => a.role === 'facilitator' || a.role === 'secretary')) expect(projectState(after, audience)).toBe(after);
        }
      });
    }, () => secretsHeld > NUM_RUNS && published > 0);
    expect(secretsHeld).toBeGreaterThan(NUM_RUNS);
    expect(published).toBeGreaterThan(0);
  });
});
