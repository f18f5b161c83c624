import { readFileSync } from 'node:fs';
import type { Convener } from '@yishi/protocol';
import { DEFAULT_GROUPS } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import {
  convenersOf,
  createPhases,
  currentPhase,
  decide,
  evolve,
  fromStoredState,
  MAX_OPEN_TOPICS_PER_PARTICIPANT,
  paperCountsByGroup,
  participantCountsByGroup,
  projectEvent,
  projectState,
  replay,
  STATE_FORMAT,
  toStoredState,
  topicCounts,
  visibleTopics,
  type Decision,
  type ClientCommand,
  type EventMessage
} from '../src/index.ts';
import {
  BOARD,
  cmd,
  createCommand,
  FACILITATOR,
  idSource,
  joinCommand,
  MeetingHarness,
  participant,
  SECRETARY,
  SYSTEM
} from './harness.ts';

function errorCode(decision: Decision): string {
  return decision.ok ? 'ok' : decision.error.code;
}

/** An open-space meeting in the marketplace with two residents and a merchant. */
function marketplace(): MeetingHarness {
  const h = MeetingHarness.created();
  h.join('ann1');
  h.join('bob2');
  h.join('cat3', '商户');
  h.advance();
  return h;
}

const P = (id: string): Convener => ({ kind: 'participant', participantId: id });

/** One of each client command, with ids that may or may not exist. */
function everyClientCommand(topicId = 'id0099', phaseId = 'id0001'): ClientCommand[] {
  return [
    cmd({ type: 'topic.post', title: 't', description: '' }),
    cmd({ type: 'topic.edit', topicId, title: 't', description: '' }),
    cmd({ type: 'topic.withdraw', topicId }),
    cmd({ type: 'topic.postFor', title: 't', description: '', convenerName: '王阿姨', convenerGroup: null }),
    cmd({ type: 'topic.hide', topicId }),
    cmd({ type: 'topic.unhide', topicId }),
    cmd({ type: 'topic.merge', targetId: topicId, sourceIds: ['id0098'] }),
    cmd({ type: 'topic.unmerge', mergeId: 'id0097' }),
    cmd({ type: 'participant.rename', participantId: 'ann1', name: 'A' }),
    cmd({ type: 'participant.remove', participantId: 'ann1' }),
    cmd({ type: 'phase.advance', fromPhaseId: phaseId }),
    cmd({ type: 'phase.back', fromPhaseId: phaseId }),
    cmd({ type: 'joining.close' }),
    cmd({ type: 'joining.open' }),
    cmd({ type: 'meeting.end' }),
    cmd({ type: 'board.spotlight', topicId })
  ];
}

describe('templates', () => {
  it('builds the open-space phases as data, ids from newId, topics allowed in marketplace and agenda only', () => {
    const phases = createPhases('open-space', idSource('ph'));
    expect(phases.map((p) => p.kind)).toEqual(['opening', 'marketplace', 'agenda', 'breakouts', 'harvest', 'convergence', 'closing']);
    expect(phases.map((p) => p.id)).toEqual(['ph0001', 'ph0002', 'ph0003', 'ph0004', 'ph0005', 'ph0006', 'ph0007']);
    expect(phases.filter((p) => p.allows.topics).map((p) => p.kind)).toEqual(['marketplace', 'agenda']);
    expect(phases.every((p) => p.title === null && (p.timeboxMinutes === null || p.timeboxMinutes > 0))).toBe(true);
  });
});

describe('meeting.create', () => {
  it('creates the meeting in its first phase with joining open', () => {
    const h = MeetingHarness.created();
    const state = h.current;
    expect(h.log[0]?.event.type).toBe('meeting.created');
    expect(currentPhase(state).kind).toBe('opening');
    expect(state.joiningOpen).toBe(true);
    expect(state.groups).toEqual([...DEFAULT_GROUPS]);
    expect(state.seq).toBe(1);
    expect(state.view).toBe('full');
  });

  it('a second create is a conflict', () => {
    const h = MeetingHarness.created();
    expect(errorCode(h.run(createCommand(), FACILITATOR))).toBe('conflict');
  });

  it('only the server or the facilitator creates a meeting', () => {
    for (const actor of [SECRETARY, BOARD, participant('ann1')]) {
      expect(errorCode(decide(null, createCommand(), actor, { now: 0, newId: idSource() }))).toBe('forbidden');
    }
    expect(errorCode(decide(null, createCommand(), SYSTEM, { now: 0, newId: idSource() }))).toBe('ok');
  });

  it('any other command on a meeting that does not exist is not_found', () => {
    for (const command of [...everyClientCommand(), joinCommand('ann1')]) {
      expect(errorCode(decide(null, command, FACILITATOR, { now: 0, newId: idSource() }))).toBe('not_found');
    }
  });
});

describe('participant.join', () => {
  it('joins with a meeting group', () => {
    const h = MeetingHarness.created();
    h.join('ann1', '商户');
    expect(h.current.participants.get('ann1')).toMatchObject({ id: 'ann1', group: '商户', removed: false });
  });

  it('the server may join someone on their behalf; another participant may not', () => {
    const h = MeetingHarness.created();
    expect(errorCode(h.run(joinCommand('ann1'), SYSTEM))).toBe('ok');
    expect(errorCode(h.run(joinCommand('bob2'), participant('ann1')))).toBe('forbidden');
    expect(errorCode(h.run(joinCommand('bob2'), FACILITATOR))).toBe('forbidden');
  });

  it('refuses when joining is closed, the group is unknown, or the id is taken', () => {
    const h = MeetingHarness.created();
    const bad = h.run(joinCommand('ann1', '外星人'), participant('ann1'));
    expect(bad.ok ? null : bad.error).toMatchObject({ code: 'invalid', field: 'group' });
    h.join('ann1');
    expect(errorCode(h.run(joinCommand('ann1'), participant('ann1')))).toBe('conflict');
    h.must(cmd({ type: 'joining.close' }), FACILITATOR);
    expect(errorCode(h.run(joinCommand('bob2'), participant('bob2')))).toBe('closed');
    h.must(cmd({ type: 'joining.open' }), FACILITATOR);
    expect(errorCode(h.run(joinCommand('bob2'), participant('bob2')))).toBe('ok');
  });

  it('a removed participant cannot join again', () => {
    const h = MeetingHarness.created();
    h.join('ann1');
    h.must(cmd({ type: 'participant.remove', participantId: 'ann1' }), FACILITATOR);
    expect(errorCode(h.run(joinCommand('ann1'), participant('ann1')))).toBe('forbidden');
  });
});

describe('roles', () => {
  it('the board is read-only: every command is forbidden', () => {
    const h = marketplace();
    const phaseId = h.current.phaseId;
    for (const command of [...everyClientCommand('id0099', phaseId), joinCommand('zed9')]) {
      expect(errorCode(h.run(command, BOARD)), command.type).toBe('forbidden');
    }
  });

  it('the secretary may only enter topics for others and correct names (and, [D9], topics staff entered)', () => {
    const h = marketplace();
    const topicId = h.post('ann1');
    for (const command of everyClientCommand(topicId, h.current.phaseId)) {
      const expected = command.type === 'topic.postFor' || command.type === 'participant.rename' ? 'ok' : 'forbidden';
      expect(errorCode(h.run(command, SECRETARY)), command.type).toBe(expected);
    }
  });

  it('the server actor sends no socket commands', () => {
    const h = marketplace();
    for (const command of everyClientCommand('id0099', h.current.phaseId)) {
      expect(errorCode(h.run(command, SYSTEM)), command.type).toBe('forbidden');
    }
  });

  it('a participant who never joined, or was removed, is forbidden everything', () => {
    const h = marketplace();
    const topicId = h.post('ann1');
    h.must(cmd({ type: 'participant.remove', participantId: 'ann1' }), FACILITATOR);
    for (const who of ['ann1', 'nobody9']) {
      for (const command of everyClientCommand(topicId, h.current.phaseId)) {
        expect(errorCode(h.run(command, participant(who))), `${who} ${command.type}`).toBe('forbidden');
      }
    }
    expect(h.current.topics.get(topicId)?.withdrawn).toBe(false);
  });

  it('facilitator-only commands are forbidden to participants', () => {
    const h = marketplace();
    const topicId = h.post('ann1');
    const facilitatorOnly = everyClientCommand(topicId, h.current.phaseId).filter(
      (c) => !['topic.post', 'topic.edit', 'topic.withdraw'].includes(c.type)
    );
    for (const command of facilitatorOnly) expect(errorCode(h.run(command, participant('ann1'))), command.type).toBe('forbidden');
  });
});

describe('topic.post', () => {
  it('is refused outside a phase that allows topics', () => {
    const h = MeetingHarness.created();
    h.join('ann1');
    expect(errorCode(h.run(cmd({ type: 'topic.post', title: '停车难', description: '' }), participant('ann1')))).toBe('wrong_phase');
  });

  it('posts with the participant as convener and a new id, in posting order', () => {
    const h = marketplace();
    const first = h.post('ann1', '停车难');
    const second = h.post('bob2', '垃圾分类');
    expect(h.current.topics.get(first)).toMatchObject({
      title: '停车难',
      convener: P('ann1'),
      enteredBy: null,
      hidden: false,
      withdrawn: false
    });
    expect(visibleTopics(h.current).map((r) => r.topic.id)).toEqual([first, second]);
  });

  it(`allows at most ${MAX_OPEN_TOPICS_PER_PARTICIPANT} standing topics per participant`, () => {
    const h = marketplace();
    const ids = Array.from({ length: MAX_OPEN_TOPICS_PER_PARTICIPANT }, (_, i) => h.post('ann1', `议题${i}`));
    const post = () => h.run(cmd({ type: 'topic.post', title: '再一个', description: '' }), participant('ann1'));
    expect(errorCode(post())).toBe('conflict');
    h.must(cmd({ type: 'topic.hide', topicId: ids[0] ?? '' }), FACILITATOR);
    expect(errorCode(post()), 'hidden topics still count').toBe('conflict');
    h.must(cmd({ type: 'topic.withdraw', topicId: ids[1] ?? '' }), participant('ann1'));
    expect(errorCode(post())).toBe('ok');
    expect(errorCode(h.run(cmd({ type: 'topic.post', title: '别人的', description: '' }), participant('bob2')))).toBe('ok');
  });
});

describe('topic.edit and topic.withdraw', () => {
  it('only the convener edits, while topics are allowed', () => {
    const h = marketplace();
    const topicId = h.post('ann1');
    const edit = cmd({ type: 'topic.edit', topicId, title: '停车位不够', description: '晚上' });
    expect(errorCode(h.run(edit, participant('bob2')))).toBe('forbidden');
    expect(errorCode(h.run(edit, FACILITATOR))).toBe('forbidden');
    expect(errorCode(h.run(edit, participant('ann1')))).toBe('ok');
    expect(h.current.topics.get(topicId)).toMatchObject({ title: '停车位不够', description: '晚上' });
    expect(errorCode(h.run(cmd({ type: 'topic.edit', topicId: 'nope0000', title: 'x', description: '' }), participant('ann1')))).toBe('not_found');
    h.advance(); // agenda still allows topics
    expect(errorCode(h.run(edit, participant('ann1')))).toBe('ok');
    h.advance(); // breakouts
    expect(errorCode(h.run(edit, participant('ann1')))).toBe('wrong_phase');
  });

  it('a hidden topic or a merged source cannot be edited; the merge target can', () => {
    const h = marketplace();
    const target = h.post('ann1');
    const source = h.post('bob2');
    const hidden = h.post('ann1', '另一个');
    h.merge(target, [source]);
    h.must(cmd({ type: 'topic.hide', topicId: hidden }), FACILITATOR);
    const edit = (topicId: string, who: string) => h.run(cmd({ type: 'topic.edit', topicId, title: '新', description: '' }), participant(who));
    expect(errorCode(edit(source, 'bob2'))).toBe('conflict');
    expect(errorCode(edit(hidden, 'ann1'))).toBe('conflict');
    expect(errorCode(edit(target, 'ann1'))).toBe('ok');
  });

  it('withdraw: convener only, any phase, not twice, not while merged', () => {
    const h = marketplace();
    const target = h.post('ann1');
    const source = h.post('bob2');
    const mergeId = h.merge(target, [source]);
    const withdraw = (topicId: string, who: string) => h.run(cmd({ type: 'topic.withdraw', topicId }), participant(who));
    expect(errorCode(withdraw(target, 'bob2'))).toBe('forbidden');
    expect(errorCode(withdraw(target, 'ann1'))).toBe('conflict');
    expect(errorCode(withdraw(source, 'bob2'))).toBe('conflict');
    h.must(cmd({ type: 'topic.unmerge', mergeId }), FACILITATOR);
    h.advance();
    h.advance(); // breakouts: no topics, but withdrawing is still allowed
    expect(errorCode(withdraw(source, 'bob2'))).toBe('ok');
    expect(errorCode(withdraw(source, 'bob2'))).toBe('conflict');
    expect(errorCode(h.run(cmd({ type: 'topic.edit', topicId: source, title: 'x', description: '' }), participant('bob2')))).toBe('conflict');
    expect(h.current.topics.get(source)?.withdrawn).toBe(true);
  });
});

describe('topic.postFor', () => {
  it('enters a named convener for someone without a phone', () => {
    const h = marketplace();
    const d = h.must(cmd({ type: 'topic.postFor', title: '加装电梯', description: '', convenerName: '王阿姨', convenerGroup: '居民' }), SECRETARY);
    expect(d.events[0]).toMatchObject({ type: 'topic.posted', convener: { kind: 'named', name: '王阿姨', group: '居民' }, enteredBy: SECRETARY });
    expect(errorCode(h.run(cmd({ type: 'topic.postFor', title: 'x', description: '', convenerName: '李', convenerGroup: null }), FACILITATOR))).toBe('ok');
  });

  it('refuses an unknown group and a phase without topics', () => {
    const h = marketplace();
    const bad = h.run(cmd({ type: 'topic.postFor', title: 'x', description: '', convenerName: '李', convenerGroup: '外星人' }), FACILITATOR);
    expect(bad.ok ? null : bad.error).toMatchObject({ code: 'invalid', field: 'convenerGroup' });
    h.must(cmd({ type: 'phase.back', fromPhaseId: h.current.phaseId }), FACILITATOR);
    expect(errorCode(h.run(cmd({ type: 'topic.postFor', title: 'x', description: '', convenerName: '李', convenerGroup: null }), SECRETARY))).toBe('wrong_phase');
  });
});

describe('topic.hide and topic.unhide', () => {
  it('toggle once each way; withdrawn topics cannot be toggled', () => {
    const h = marketplace();
    const topicId = h.post('ann1');
    const hide = cmd({ type: 'topic.hide', topicId });
    const unhide = cmd({ type: 'topic.unhide', topicId });
    expect(errorCode(h.run(unhide, FACILITATOR))).toBe('conflict');
    expect(errorCode(h.run(hide, FACILITATOR))).toBe('ok');
    expect(errorCode(h.run(hide, FACILITATOR))).toBe('conflict');
    expect(errorCode(h.run(unhide, FACILITATOR))).toBe('ok');
    h.must(cmd({ type: 'topic.withdraw', topicId }), participant('ann1'));
    expect(errorCode(h.run(hide, FACILITATOR))).toBe('conflict');
    expect(errorCode(h.run(cmd({ type: 'topic.hide', topicId: '__proto__' }), FACILITATOR))).toBe('not_found');
  });
});

describe('topic.merge and topic.unmerge [D3]', () => {
  it('the facilitator chooses the title that stays: a newer topic can be the target', () => {
    const h = marketplace();
    const older = h.post('ann1', '停车');
    const newer = h.post('bob2', '晚上小区里停车位不够，外来车辆占位');
    h.merge(newer, [older]);
    const rows = visibleTopics(h.current);
    expect(rows.map((r) => r.topic.title)).toEqual(['晚上小区里停车位不够，外来车辆占位']);
    expect(rows[0]?.conveners).toEqual([P('bob2'), P('ann1')]);
  });

  it('the target keeps every convener; after unmerge each source stands alone again', () => {
    const h = marketplace();
    const target = h.post('ann1', '停车难');
    const s1 = h.post('bob2', '停车位');
    const s2 = h.post('ann1', '车太多');
    h.must(cmd({ type: 'topic.postFor', title: '没地方停', description: '', convenerName: '王阿姨', convenerGroup: null }), SECRETARY);
    const named = [...h.current.topics.values()].find((t) => t.convener.kind === 'named')?.id ?? '';
    const first = h.merge(target, [s1, s2]);
    const second = h.merge(target, [named]);
    expect(convenersOf(h.current, target)).toEqual([P('ann1'), P('bob2'), { kind: 'named', name: '王阿姨', group: null }]);
    const rows = visibleTopics(h.current);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.merges.map((m) => [m.mergeId, m.sources.map((s) => s.id)])).toEqual([
      [first, [s1, s2]],
      [second, [named]]
    ]);
    expect(rows[0]?.conveners).toEqual(convenersOf(h.current, target));

    h.must(cmd({ type: 'topic.unmerge', mergeId: first }), FACILITATOR);
    expect(convenersOf(h.current, target)).toEqual([P('ann1'), { kind: 'named', name: '王阿姨', group: null }]);
    expect(convenersOf(h.current, s1)).toEqual([P('bob2')]);
    expect(visibleTopics(h.current).map((r) => r.topic.id)).toEqual([target, s1, s2]);
  });

  it('refuses merges that would nest, loop or touch withdrawn or missing topics', () => {
    const h = marketplace();
    const [a, b, c, d, w] = ['ann1', 'bob2', 'cat3', 'ann1', 'bob2'].map((p, i) => h.post(p, `议题${i}`)) as [string, string, string, string, string];
    h.must(cmd({ type: 'topic.withdraw', topicId: w }), participant('bob2'));
    const merge = (targetId: string, sourceIds: string[]) => errorCode(h.run(cmd({ type: 'topic.merge', targetId, sourceIds }), FACILITATOR));
    expect(merge(a, [a])).toBe('conflict');
    expect(merge(a, [w])).toBe('conflict');
    expect(merge(w, [a])).toBe('conflict');
    expect(merge('nope0000', [a])).toBe('not_found');
    expect(merge(a, ['nope0000'])).toBe('not_found');
    expect(merge(a, ['constructor'])).toBe('not_found');
    expect(merge(a, [b])).toBe('ok');
    expect(merge(c, [b]), 'a source is already merged').toBe('conflict');
    expect(merge(b, [c]), 'the target is already a source').toBe('conflict');
    expect(merge(c, [a]), 'a source is itself a target: unmerge first').toBe('conflict');
    expect(merge(a, [c, d]), 'a target may take more merges').toBe('ok');
  });

  it('unmerge needs an active merge', () => {
    const h = marketplace();
    const mergeId = h.merge(h.post('ann1'), [h.post('bob2')]);
    expect(errorCode(h.run(cmd({ type: 'topic.unmerge', mergeId: 'nope0000' }), FACILITATOR))).toBe('not_found');
    expect(errorCode(h.run(cmd({ type: 'topic.unmerge', mergeId }), FACILITATOR))).toBe('ok');
    expect(errorCode(h.run(cmd({ type: 'topic.unmerge', mergeId }), FACILITATOR))).toBe('conflict');
  });
});

describe('participants', () => {
  it('rename and remove need someone still in the meeting; counts follow', () => {
    const h = marketplace();
    expect(participantCountsByGroup(h.current)).toEqual({ 居民: 2, 商户: 1, 居委会: 0, 街道: 0, 社会组织: 0, 专家: 0, 其他: 0 });
    h.must(cmd({ type: 'participant.rename', participantId: 'ann1', name: '安阿姨' }), FACILITATOR);
    expect(h.current.participants.get('ann1')?.name).toBe('安阿姨');
    h.must(cmd({ type: 'participant.remove', participantId: 'ann1' }), FACILITATOR);
    expect(participantCountsByGroup(h.current)['居民']).toBe(1);
    expect(errorCode(h.run(cmd({ type: 'participant.remove', participantId: 'ann1' }), FACILITATOR))).toBe('conflict');
    expect(errorCode(h.run(cmd({ type: 'participant.rename', participantId: 'ann1', name: 'x' }), FACILITATOR))).toBe('conflict');
    expect(errorCode(h.run(cmd({ type: 'participant.rename', participantId: 'nobody9', name: 'x' }), FACILITATOR))).toBe('not_found');
  });

  it('counts a group named like an Object.prototype member correctly', () => {
    const h = MeetingHarness.created(['__proto__', 'constructor']);
    h.join('ann1', '__proto__');
    expect(participantCountsByGroup(h.current)).toEqual({ ['__proto__']: 1, constructor: 0 });
  });
});

describe('phases', () => {
  it('a stale double click moves one phase, not two', () => {
    const h = MeetingHarness.created();
    const from = h.current.phaseId;
    const advance = cmd({ type: 'phase.advance', fromPhaseId: from });
    expect(errorCode(h.run(advance, FACILITATOR))).toBe('ok');
    expect(errorCode(h.run(advance, FACILITATOR))).toBe('conflict');
    expect(currentPhase(h.current).kind).toBe('marketplace');
    expect(errorCode(h.run(cmd({ type: 'phase.back', fromPhaseId: from }), FACILITATOR))).toBe('conflict');
  });

  it('cannot go before the first or beyond the last phase', () => {
    const h = MeetingHarness.created();
    expect(errorCode(h.run(cmd({ type: 'phase.back', fromPhaseId: h.current.phaseId }), FACILITATOR))).toBe('conflict');
    for (let i = 1; i < h.current.phases.length; i++) h.advance();
    expect(currentPhase(h.current).kind).toBe('closing');
    expect(errorCode(h.run(cmd({ type: 'phase.advance', fromPhaseId: h.current.phaseId }), FACILITATOR))).toBe('conflict');
    expect(errorCode(h.run(cmd({ type: 'phase.back', fromPhaseId: h.current.phaseId }), FACILITATOR))).toBe('ok');
  });
});

describe('joining and ending', () => {
  it('closing or opening twice is a conflict', () => {
    const h = MeetingHarness.created();
    expect(errorCode(h.run(cmd({ type: 'joining.open' }), FACILITATOR))).toBe('conflict');
    expect(errorCode(h.run(cmd({ type: 'joining.close' }), FACILITATOR))).toBe('ok');
    expect(errorCode(h.run(cmd({ type: 'joining.close' }), FACILITATOR))).toBe('conflict');
  });

  it('[D8] after meeting.ended nobody takes part or moderates: every other command is closed, in words that are not about joining', () => {
    const h = marketplace();
    const topicId = h.post('ann1');
    h.must(cmd({ type: 'meeting.end' }), FACILITATOR);
    expect(h.current.ended).toBe(true);
    const join = h.run(joinCommand('zed9'), participant('zed9'));
    expect(join).toMatchObject({ ok: false, error: { code: 'closed', reason: 'meeting_ended' } });
    const record = ['participant.rename', 'topic.postFor', 'topic.edit', 'topic.withdraw'];
    for (const command of [...everyClientCommand(topicId, h.current.phaseId), createCommand()]) {
      for (const actor of [FACILITATOR, SECRETARY, BOARD, participant('ann1')]) {
        const staffCompletingRecord = (actor === FACILITATOR || actor === SECRETARY) && record.includes(command.type);
        if (staffCompletingRecord) continue;
        expect(h.run(command, actor), `${actor.role} ${command.type}`).toMatchObject({ ok: false, error: { code: 'closed', reason: 'after_end' } });
      }
    }
    expect(h.current.topics.get(topicId)?.hidden).toBe(false);
  });

  it('[D8] after the end staff still complete the record, and each change is marked as made after the end', () => {
    const h = marketplace();
    const before = h.post('ann1', '停车难');
    const slip = h.must(cmd({ type: 'topic.postFor', title: '加装电梯', description: '', convenerName: '王阿姨', convenerGroup: null }), SECRETARY);
    const slipId = slip.events[0]?.type === 'topic.posted' ? slip.events[0].topicId : '';
    h.advance(); // agenda
    h.advance(); // breakouts: no topics taken any more
    h.must(cmd({ type: 'meeting.end' }), FACILITATOR);
    expect(h.current.topics.get(slipId)?.amendedAfterEnd).toBe(false);

    h.must(cmd({ type: 'participant.rename', participantId: 'bob2', name: '鲍勃' }), SECRETARY);
    h.must(cmd({ type: 'topic.edit', topicId: slipId, title: '加装电梯（3号楼）', description: '' }), FACILITATOR);
    const late = h.must(cmd({ type: 'topic.postFor', title: '路灯不亮', description: '', convenerName: '刘大爷', convenerGroup: '居民' }), SECRETARY);
    const lateId = late.events[0]?.type === 'topic.posted' ? late.events[0].topicId : '';
    h.must(cmd({ type: 'topic.withdraw', topicId: lateId }), FACILITATOR);

    expect(h.current.participants.get('bob2')).toMatchObject({ name: '鲍勃', amendedAfterEnd: true });
    expect(h.current.participants.get('ann1')?.amendedAfterEnd).toBe(false);
    expect(h.current.topics.get(slipId)).toMatchObject({ title: '加装电梯（3号楼）', amendedAfterEnd: true });
    expect(h.current.topics.get(lateId)).toMatchObject({ withdrawn: true, amendedAfterEnd: true });
    expect(h.current.topics.get(before)?.amendedAfterEnd).toBe(false);
    // A participant's own words stay theirs, after the end too.
    expect(errorCode(h.run(cmd({ type: 'topic.edit', topicId: before, title: 'x', description: '' }), FACILITATOR))).toBe('forbidden');
    // Phones and the board learn of the late topic with its mark: it is folded from the same event.
    const view = projectState(h.current, { role: 'board' });
    expect(view.topics.get(slipId)?.amendedAfterEnd).toBe(true);
    // bob2 convenes nothing, so only bob2's own phone holds the corrected record [D14].
    expect(view.participants.get('bob2')).toBeUndefined();
    expect(view.people.get('bob2')).toBeUndefined();
    expect(projectState(h.current, { role: 'participant', participantId: 'bob2', breakoutGroup: null }).participants.get('bob2')?.amendedAfterEnd).toBe(true);
  });
});

describe('staff correct what staff entered [D9]', () => {
  function withSlip(): { h: MeetingHarness; slipId: string; ownId: string } {
    const h = marketplace();
    const ownId = h.post('ann1');
    const slip = h.must(cmd({ type: 'topic.postFor', title: '加妆电梯', description: '', convenerName: '王阿姨', convenerGroup: '居民' }), FACILITATOR);
    const slipId = slip.events[0]?.type === 'topic.posted' ? slip.events[0].topicId : '';
    return { h, slipId, ownId };
  }

  it('facilitator and secretary edit and withdraw a topic entered from a paper slip', () => {
    const { h, slipId } = withSlip();
    h.must(cmd({ type: 'topic.edit', topicId: slipId, title: '加装电梯', description: '3号楼' }), SECRETARY);
    expect(h.current.topics.get(slipId)).toMatchObject({ title: '加装电梯', description: '3号楼', amendedAfterEnd: false });
    h.must(cmd({ type: 'topic.edit', topicId: slipId, title: '加装电梯！', description: '' }), FACILITATOR);
    h.must(cmd({ type: 'topic.withdraw', topicId: slipId }), SECRETARY);
    expect(h.current.topics.get(slipId)?.withdrawn).toBe(true);
    expect(errorCode(h.run(cmd({ type: 'topic.withdraw', topicId: slipId }), FACILITATOR))).toBe('conflict');
  });

  it('staff never edit or withdraw a participant\'s own topic; participants never edit a slip; the board never edits', () => {
    const { h, slipId, ownId } = withSlip();
    for (const actor of [FACILITATOR, SECRETARY]) {
      expect(errorCode(h.run(cmd({ type: 'topic.edit', topicId: ownId, title: 'x', description: '' }), actor))).toBe('forbidden');
      expect(errorCode(h.run(cmd({ type: 'topic.withdraw', topicId: ownId }), actor))).toBe('forbidden');
    }
    for (const actor of [participant('ann1'), BOARD]) {
      expect(errorCode(h.run(cmd({ type: 'topic.edit', topicId: slipId, title: 'x', description: '' }), actor))).toBe('forbidden');
      expect(errorCode(h.run(cmd({ type: 'topic.withdraw', topicId: slipId }), actor))).toBe('forbidden');
    }
  });

  it('the phase rules are the convener\'s: edit while topics are taken, withdraw in any phase, not hidden, not merged', () => {
    const { h, slipId, ownId } = withSlip();
    h.merge(ownId, [slipId]);
    expect(errorCode(h.run(cmd({ type: 'topic.edit', topicId: slipId, title: 'x', description: '' }), SECRETARY))).toBe('conflict');
    expect(errorCode(h.run(cmd({ type: 'topic.withdraw', topicId: slipId }), SECRETARY))).toBe('conflict');
    h.must(cmd({ type: 'topic.unmerge', mergeId: [...h.current.merges.keys()][0]! }), FACILITATOR);
    h.must(cmd({ type: 'topic.hide', topicId: slipId }), FACILITATOR);
    expect(errorCode(h.run(cmd({ type: 'topic.edit', topicId: slipId, title: 'x', description: '' }), SECRETARY))).toBe('conflict');
    h.must(cmd({ type: 'topic.unhide', topicId: slipId }), FACILITATOR);
    h.advance();
    h.advance(); // breakouts
    expect(errorCode(h.run(cmd({ type: 'topic.edit', topicId: slipId, title: 'x', description: '' }), SECRETARY))).toBe('wrong_phase');
    expect(errorCode(h.run(cmd({ type: 'topic.withdraw', topicId: slipId }), SECRETARY))).toBe('ok');
  });
});

describe('the board spotlight [D10]', () => {
  function spot(h: MeetingHarness, topicId: string | null) {
    return h.run(cmd({ type: 'board.spotlight', topicId }), FACILITATOR);
  }

  it('the facilitator alone puts one public topic on the board in full and takes it down', () => {
    const h = marketplace();
    const a = h.post('ann1', '很长的标题'.repeat(20));
    const b = h.post('bob2');
    expect(errorCode(spot(h, null))).toBe('conflict');
    for (const actor of [SECRETARY, BOARD, participant('ann1')]) {
      expect(errorCode(h.run(cmd({ type: 'board.spotlight', topicId: a }), actor)), actor.role).toBe('forbidden');
    }
    expect(errorCode(spot(h, 'nope0000'))).toBe('not_found');
    expect(errorCode(spot(h, a))).toBe('ok');
    expect(h.current.spotlight).toBe(a);
    expect(errorCode(spot(h, a))).toBe('conflict');
    expect(errorCode(spot(h, b))).toBe('ok');
    expect(h.current.spotlight).toBe(b);
    expect(errorCode(spot(h, null))).toBe('ok');
    expect(h.current.spotlight).toBe(null);
  });

  it('hiding, withdrawing or merging the topic away, and the end, take it down; a hidden topic cannot go up', () => {
    const h = marketplace();
    const a = h.post('ann1');
    const b = h.post('bob2');
    const c = h.post('cat3');
    spot(h, a);
    h.must(cmd({ type: 'topic.hide', topicId: a }), FACILITATOR);
    expect(h.current.spotlight).toBe(null);
    expect(errorCode(spot(h, a))).toBe('conflict');
    spot(h, b);
    h.must(cmd({ type: 'topic.withdraw', topicId: b }), participant('bob2'));
    expect(h.current.spotlight).toBe(null);
    const d = h.post('ann1');
    spot(h, c);
    h.merge(d, [c]);
    expect(h.current.spotlight).toBe(null);
    expect(errorCode(spot(h, c))).toBe('conflict');
    spot(h, d); // a merge target stays up, with every convener
    expect(h.current.spotlight).toBe(d);
    h.must(cmd({ type: 'meeting.end' }), FACILITATOR);
    expect(h.current.spotlight).toBe(null);
  });

  it('a board that reloads gets the spotlight from the state; public views never name a topic they do not hold', () => {
    const h = marketplace();
    const a = h.post('ann1');
    spot(h, a);
    const board = projectState(h.current, { role: 'board' });
    expect(board.spotlight).toBe(a);
    expect(replay(h.log)?.spotlight).toBe(a);
    // Defensive: a full state that somehow names a hidden topic is never passed on.
    const odd = { ...h.current, topics: h.current.topics.set(a, { ...h.current.topics.get(a)!, hidden: true }) };
    expect(projectState(odd, { role: 'participant', participantId: 'bob2', breakoutGroup: null }).spotlight).toBe(null);
    const entry = { seq: 99, at: 0, actor: FACILITATOR, event: { type: 'board.spotlit' as const, topicId: a } };
    expect(projectEvent(odd, odd, entry, { role: 'board' })).toBe(null);
    expect(projectEvent(odd, odd, entry, { role: 'secretary' })).not.toBe(null);
  });
});

describe('topic counts [D11]', () => {
  it('the console counts what the board shows, and hidden and withdrawn topics apart', () => {
    const h = marketplace();
    const ids = ['ann1', 'bob2', 'cat3', 'ann1', 'bob2', 'cat3', 'ann1'].map((who, i) => h.post(who, `议题${i}`));
    h.merge(ids[0]!, [ids[1]!]);
    h.must(cmd({ type: 'topic.hide', topicId: ids[2]! }), FACILITATOR);
    h.must(cmd({ type: 'topic.hide', topicId: ids[3]! }), FACILITATOR);
    h.must(cmd({ type: 'topic.withdraw', topicId: ids[4]! }), participant('bob2'));
    const boardRows = visibleTopics(projectState(h.current, { role: 'board' })).length;
    expect(topicCounts(h.current)).toEqual({ shown: boardRows, hidden: 2, withdrawn: 1 });
    expect(boardRows).toBe(3);
  });
});

describe('projection', () => {
  it('participants and the board never hold a hidden or withdrawn topic; the console sees them flagged [D4]', () => {
    const h = marketplace();
    const shown = h.post('ann1');
    const hidden = h.post('bob2');
    const withdrawn = h.post('cat3');
    h.must(cmd({ type: 'topic.hide', topicId: hidden }), FACILITATOR);
    h.must(cmd({ type: 'topic.withdraw', topicId: withdrawn }), participant('cat3'));
    for (const audience of [{ role: 'board' } as const, { role: 'participant', participantId: 'cat3', breakoutGroup: null } as const]) {
      expect([...projectState(h.current, audience).topics.keys()]).toEqual([shown]);
      expect(visibleTopics(h.current, audience).map((r) => r.topic.id)).toEqual([shown]);
    }
    const console = visibleTopics(h.current, { role: 'facilitator' });
    expect(console.map((r) => [r.topic.id, r.topic.hidden, r.topic.withdrawn])).toEqual([
      [shown, false, false],
      [hidden, true, false],
      [withdrawn, false, true]
    ]);
    expect(projectState(h.current, { role: 'secretary' })).toBe(h.current);
  });

  it('topic.unhidden carries the topic to audiences that did not hold it, and it folds under its merge again', () => {
    const h = marketplace();
    const target = h.post('ann1');
    const source = h.post('bob2');
    h.merge(target, [source]);
    h.must(cmd({ type: 'topic.hide', topicId: source }), FACILITATOR);
    const board = { role: 'board' } as const;
    const view = projectState(h.current, board);
    expect(visibleTopics(view, board)[0]?.conveners).toEqual([P('ann1')]);
    const before = h.current;
    h.must(cmd({ type: 'topic.unhide', topicId: source }), FACILITATOR);
    const entry = h.log.at(-1);
    if (!entry) throw new Error('no entry');
    const projected = projectEvent(before, h.current, entry, board);
    expect(projected?.event).toMatchObject({ type: 'topic.unhidden', topicId: source, topic: { id: source, convener: P('bob2') } });
    expect(projectEvent(before, h.current, entry, { role: 'facilitator' })?.event).toEqual({ type: 'topic.unhidden', topicId: source });
    const next = evolve(view, projected ?? entry);
    expect(next).toEqual(projectState(h.current, board));
    expect(visibleTopics(next, board)[0]?.conveners).toEqual([P('ann1'), P('bob2')]);
  });

  it('withdrawing a hidden topic sends participants nothing (null): only the seq moves', () => {
    const h = marketplace();
    const topicId = h.post('ann1');
    h.must(cmd({ type: 'topic.hide', topicId }), FACILITATOR);
    const before = h.current;
    h.must(cmd({ type: 'topic.withdraw', topicId }), participant('ann1'));
    const entry = h.log.at(-1);
    if (!entry) throw new Error('no entry');
    // Only its convener held it (flagged hidden on their phone), so only they are told [D15].
    expect(projectEvent(before, h.current, entry, { role: 'participant', participantId: 'bob2', breakoutGroup: null })).toBeNull();
    expect(projectEvent(before, h.current, entry, { role: 'board' })).toBeNull();
    expect(projectEvent(before, h.current, entry, { role: 'participant', participantId: 'ann1', breakoutGroup: null })).toEqual({ seq: entry.seq, at: entry.at, actor: entry.actor, event: entry.event });
    expect(projectEvent(before, h.current, entry, { role: 'facilitator' })).toEqual(entry);
  });

  it('an edit of a topic the audience does not hold is not sent (defensive: decide refuses editing a hidden topic)', () => {
    const h = marketplace();
    const topicId = h.post('ann1');
    h.must(cmd({ type: 'topic.hide', topicId }), FACILITATOR);
    const entry = { seq: h.current.seq + 1, at: h.now, actor: participant('ann1'), event: { type: 'topic.edited' as const, topicId, title: '改', description: '' } };
    const after = evolve(h.current, entry);
    expect(projectEvent(h.current, after, entry, { role: 'board' })).toBeNull();
    expect(projectEvent(h.current, after, entry, { role: 'secretary' })?.event).toEqual(entry.event);
  });

  it('a projected event carries only seq, at, actor and event, never a log entry\'s command id or hashes', () => {
    const h = marketplace();
    const logEntry = { ...h.log[1]!, commandId: 'cmd-00000001', prevHash: 'x', hash: 'y' };
    const [before, after] = [replay(h.log.slice(0, 1)), replay(h.log.slice(0, 2))];
    if (!after) throw new Error('no state');
    for (const audience of [{ role: 'board' } as const, { role: 'facilitator' } as const]) {
      expect(Object.keys(projectEvent(before, after, logEntry, audience) ?? {}).sort()).toEqual(['actor', 'at', 'event', 'seq']);
    }
  });
});

describe('guards', () => {
  it('decide refuses a projected view: only the full state is authoritative', () => {
    const h = marketplace();
    const view = projectState(h.current, { role: 'board' });
    expect(errorCode(decide(view, cmd({ type: 'topic.post', title: 'x', description: '' }), participant('ann1'), h.ctx))).toBe('internal');
  });

  it('evolve rejects a log that cannot be a meeting\'s', () => {
    const h = marketplace();
    const created = h.log[0];
    const joined = h.log[1];
    if (!created || !joined) throw new Error('no log');
    expect(() => evolve(null, joined)).toThrow(/before meeting.created/);
    expect(() => evolve(h.current, created)).toThrow(/existing meeting/);
  });
});

describe('replay', () => {
  it('skips entries a snapshot already holds', () => {
    const h = marketplace();
    h.post('ann1');
    const mid = replay(h.log.slice(0, 3));
    expect(replay(h.log.slice(1), mid)).toEqual(h.current);
    expect(replay([])).toBeNull();
  });
});

describe('snapshots [D1]', () => {
  type Fixture = { log: EventMessage[]; stored: { format: number; state: Record<string, unknown> } };
  const read = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Fixture;
  // Written at the current state format: a meeting's log, and the snapshot stored at its end.
  const fixture = read('snapshot-format-8.json');
  // The start of that log, and its snapshot as the code before phases were edited and timed (format 7).
  const beforeTimer = read('snapshot-format-7.json');
  // The same log, and its snapshot as the code before the board showed documents (format 6).
  const beforeBoardDocument = read('snapshot-format-6.json');
  // The start of that log, and its snapshot as the code before documents had named versions (format 5).
  const beforeVersions = read('snapshot-format-5.json');
  // A shorter start, and its snapshot as the code before documents stored it (format 4).
  const previous = read('snapshot-format-4.json');
  // A shorter start, and its snapshot as the code before paper participants and the record's fields stored it (format 3).
  const older = read('snapshot-format-3.json');
  // The same start, and its snapshot as the code before views held head counts stored it (plain records, format 2).
  const oldest = read('snapshot-format-2.json');

  it('[D1] a snapshot stored in the current format reads back as the state its log builds, and today writes the same JSON', () => {
    expect(fixture.stored.format).toBe(STATE_FORMAT);
    const state = replay(fixture.log)!;
    expect(fromStoredState(fixture.stored)).toStrictEqual(state);
    expect(JSON.parse(JSON.stringify(toStoredState(state)))).toEqual(fixture.stored);
    // The records are plain objects keyed by id or group (`__proto__` and `constructor` too), and nothing derived is stored.
    const json = fixture.stored.state;
    expect(Object.keys(json.participants as object)).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
    expect(Object.keys(json.attendance as object)).toEqual(expect.arrayContaining(['__proto__']));
    expect(state.participants.get('__proto__')).toMatchObject({ group: '__proto__' });
    expect(participantCountsByGroup(state)).toEqual({ 居民: 1, 商户: 1, ['__proto__']: 1 });
    // A log from before meetings had a zone is read in the zone every meeting was in then.
    expect(fixture.log[0]!.event).not.toHaveProperty('timeZone');
    expect(state.timeZone).toBe('Asia/Shanghai');
    expect(Object.keys(json.paperCount as object)).toEqual(expect.arrayContaining(['__proto__']));
    expect(paperCountsByGroup(state)).toEqual({ 居民: 3, 商户: 0, ['__proto__']: 1 });
    expect(Object.keys(json.documents as object)).toEqual(expect.arrayContaining(['__proto__']));
    expect(state.documents.get('__proto__')).toMatchObject({ kind: 'notes', access: 'named', editors: ['ann1', 'constructor'] });
    expect(state.documents.get('__proto__')!.versions.map((v) => v.id)).toEqual(['__proto__']);
    expect(state.documents.get('doc00001')!.versions.map((v) => [v.name, v.by])).toEqual([['章程 v3 征求意见稿', 'facilitator'], ['章程 v3 征求意见稿', 'participant']]);
    expect(Object.keys(JSON.parse(JSON.stringify(state)) as object).sort()).toEqual(Object.keys(json).sort());
    // Phases shaped by the facilitator and a paused timer travel in the snapshot [D38, D40].
    expect(state.phases.map((p) => p.title ?? p.kind)).toEqual(['opening', 'marketplace', '排出议程表', 'breakouts', '茶歇后汇报', 'harvest', 'closing']);
    expect(state.phasesReached).toEqual(['id0001', 'id0002']);
    expect(state.timer).toMatchObject({ phaseId: 'id0002', status: 'paused', remainingMs: 35 * 60_000 - 1000 });
  });

  it('[D1] a snapshot stored in an older format is ignored: the state is rebuilt from the log', () => {
    for (const old of [beforeTimer, beforeBoardDocument, beforeVersions, previous, older, oldest]) {
      expect(old.stored.format).toBeLessThan(STATE_FORMAT);
      expect(fixture.log.slice(0, old.log.length)).toEqual(old.log);
      expect(fromStoredState(old.stored)).toBeNull();
    }
    // Trusting them would be wrong: they hold no versions (a document without its list would read as never versioned), no documents (which /yjs reads rights from), no paper counts (nor, format 2, head counts), which every view reads.
    expect(Object.keys(beforeTimer.stored.state)).not.toContain('timer');
    expect(Object.keys(beforeBoardDocument.stored.state)).not.toContain('boardDocument');
    expect(Object.values(beforeVersions.stored.state.documents as object)[0]).not.toHaveProperty('versions');
    expect(Object.keys(previous.stored.state)).not.toContain('documents');
    expect(Object.keys(older.stored.state)).not.toContain('paperCount');
    expect(Object.keys(oldest.stored.state)).not.toContain('attendance');
  });

  it('[D1] a revived state decides and folds as the state it was taken from', () => {
    const state = replay(fixture.log)!;
    const revived = fromStoredState(JSON.parse(JSON.stringify(toStoredState(state))))!;
    const mergedAway = [...state.merges.values()].find((m) => m.active)!.sourceIds[0]!;
    for (const command of [
      cmd({ type: 'topic.edit', topicId: mergedAway, title: '改', description: '' }),
      cmd({ type: 'topic.post', title: '新议题', description: '' })
    ]) {
      expect(decide(revived, command, participant('ann1'), { now: 0, newId: () => 'n1' })).toStrictEqual(decide(state, command, participant('ann1'), { now: 0, newId: () => 'n1' }));
    }
  });
});
