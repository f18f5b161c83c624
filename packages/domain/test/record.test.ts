import { CreateMeetingRequestSchema } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { ClientCommandSchema, commandResult, paperCountsByGroup, permits, projectEvent, projectState, RECORD_LIMITS } from '../src/index.ts';
import { BOARD, cmd, FACILITATOR, MeetingHarness, participant, SECRETARY } from './harness.ts';

const PARTICIPANT_VIEW = { role: 'participant', participantId: 'ann1', breakoutGroup: null } as const;

function meeting(): MeetingHarness {
  const h = MeetingHarness.created(['居民', '商户']);
  h.join('ann1');
  return h;
}

describe('paper participants [D17]', () => {
  it('[D17] a name is one person, a count that many; the ack carries the paper id; every view counts them, only staff hold names', () => {
    const h = meeting();
    const named = h.must(cmd({ type: 'paper.add', group: '居民', name: '王阿姨' }), SECRETARY);
    expect(named.events).toEqual([{ type: 'paper.added', paperId: expect.any(String), group: '居民', name: '王阿姨', count: 1 }]);
    const paperId = (named.events[0] as { paperId: string }).paperId;
    expect(commandResult('paper.add', named.events)).toEqual({ paperId });
    h.must(cmd({ type: 'paper.add', group: '商户', count: 12 }), FACILITATOR);
    expect(paperCountsByGroup(h.current)).toEqual({ 居民: 1, 商户: 12 });
    expect(h.current.paper.get(paperId)).toMatchObject({ name: '王阿姨', count: 1, group: '居民', amendedAfterEnd: false });
    for (const audience of [{ role: 'board' } as const, PARTICIPANT_VIEW]) {
      const view = projectState(h.current, audience);
      expect(paperCountsByGroup(view)).toEqual({ 居民: 1, 商户: 12 });
      expect(view.paper.size).toBe(0);
      expect(JSON.stringify(view)).not.toContain('王阿姨');
    }
    // A removal reaches the hall as the group's new count.
    const before = h.current;
    h.must(cmd({ type: 'paper.remove', paperId }), SECRETARY);
    expect(projectEvent(before, h.current, h.log.at(-1)!, { role: 'board' })?.event).toEqual({ type: 'paper.counted', group: '居民', count: 0 });
    expect(h.run(cmd({ type: 'paper.remove', paperId }), SECRETARY)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('[D17] exactly one of a name and a count, a count from 1 to 500, a group of the meeting', () => {
    const base = { type: 'paper.add', commandId: 'cmd-paper-0001', group: '居民' };
    expect(ClientCommandSchema.safeParse({ ...base, name: '王阿姨' }).success).toBe(true);
    expect(ClientCommandSchema.safeParse({ ...base, count: 500 }).success).toBe(true);
    for (const bad of [{}, { name: '王阿姨', count: 2 }, { count: 0 }, { count: 501 }, { count: 2.5 }, { name: '' }, { name: 'x'.repeat(41) }]) {
      expect(ClientCommandSchema.safeParse({ ...base, ...bad }).success, JSON.stringify(bad)).toBe(false);
    }
    const h = meeting();
    expect(h.run(cmd({ type: 'paper.add', group: '外星人', count: 2 }), SECRETARY)).toMatchObject({ ok: false, error: { code: 'invalid', field: 'group' } });
    expect(h.run(cmd({ type: 'paper.add', group: '居民', count: 501 }), SECRETARY)).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });

  it('[D8][D17] staff may declare and remove paper participants after the end, marked as completed after it; nobody else ever', () => {
    const h = meeting();
    expect(h.run(cmd({ type: 'paper.add', group: '居民', count: 2 }), participant('ann1'))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(h.run(cmd({ type: 'paper.add', group: '居民', count: 2 }), BOARD)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    h.must(cmd({ type: 'meeting.end' }), FACILITATOR);
    const late = h.must(cmd({ type: 'paper.add', group: '居民', name: '迟到的李叔' }), SECRETARY).events[0] as { paperId: string };
    expect(h.current.paper.get(late.paperId)?.amendedAfterEnd).toBe(true);
    expect(h.run(cmd({ type: 'paper.add', group: '居民', count: 2 }), participant('ann1'))).toMatchObject({ ok: false, error: { code: 'closed' } });
  });
});

describe('the record [D18]', () => {
  it('[D18] details and notes are set by staff and reach no participant or board; one notes event replaces the notes', () => {
    const h = meeting();
    const before = h.current;
    h.must(cmd({ type: 'record.details.set', place: '活动室', facilitatorName: '李主持', secretaryName: '张记录' }), SECRETARY);
    for (const audience of [{ role: 'board' } as const, PARTICIPANT_VIEW]) expect(projectEvent(before, h.current, h.log.at(-1)!, audience)).toBeNull();
    h.must(cmd({ type: 'record.notes.set', notes: '第一稿' }), FACILITATOR);
    h.must(cmd({ type: 'record.notes.set', notes: '第二稿\n第二行' }), SECRETARY);
    expect(h.current.record).toEqual({ place: '活动室', facilitatorName: '李主持', secretaryName: '张记录', notes: '第二稿\n第二行' });
    expect(projectState(h.current, { role: 'board' }).record).toBeNull();
    expect(h.run(cmd({ type: 'record.notes.set', notes: '我来写' }), participant('ann1'))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('[D18] the notes take up to 20,000 characters over several lines; the place 120, the names 40, empty allowed', () => {
    const notes = (text: string) => ClientCommandSchema.safeParse({ type: 'record.notes.set', commandId: 'cmd-notes-0001', notes: text });
    expect(notes('字'.repeat(RECORD_LIMITS.notes)).success).toBe(true);
    expect(notes('字'.repeat(RECORD_LIMITS.notes + 1)).success).toBe(false);
    expect(notes('一\n二\n\n三').success).toBe(true);
    expect(notes('bell\u0007').success).toBe(false);
    const details = (place: string, name: string) => ClientCommandSchema.safeParse({ type: 'record.details.set', commandId: 'cmd-details-01', place, facilitatorName: name, secretaryName: '' });
    expect(details('地'.repeat(120), '名'.repeat(40)).success).toBe(true);
    expect(details('地'.repeat(121), '').success).toBe(false);
    expect(details('', '名'.repeat(41)).success).toBe(false);
    expect(details('一\n二', '').success).toBe(false);
  });

  it('[D18][D12] only the facilitator publishes the minutes; a second publish is a conflict; every view holds the flag; permits agrees', () => {
    const h = meeting();
    const publish = { type: 'minutes.publish' } as const;
    expect(permits(h.current, publish, SECRETARY)).toBe(false);
    expect(permits(h.current, publish, FACILITATOR)).toBe(true);
    expect(permits(h.current, { type: 'minutes.unpublish' }, FACILITATOR)).toBe(false);
    expect(h.run(cmd(publish), SECRETARY)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    h.must(cmd(publish), FACILITATOR);
    expect(projectState(h.current, PARTICIPANT_VIEW).minutesPublished).toBe(true);
    expect(h.run(cmd(publish), FACILITATOR)).toMatchObject({ ok: false, error: { code: 'conflict' } });
    h.must(cmd({ type: 'meeting.end' }), FACILITATOR);
    h.must(cmd({ type: 'minutes.unpublish' }), FACILITATOR);
    expect(h.current.minutesPublished).toBe(false);
    expect(permits(h.current, { type: 'record.notes.set', notes: '' }, SECRETARY)).toBe(true);
    expect(permits(h.current, { type: 'paper.add', group: '居民', count: 1 }, SECRETARY)).toBe(true);
  });
});

describe('time zone', () => {
  it('a meeting is created in an IANA zone the runtime knows; none given is Asia/Shanghai', () => {
    expect(CreateMeetingRequestSchema.parse({ title: '会' }).timeZone).toBeUndefined();
    expect(CreateMeetingRequestSchema.safeParse({ title: '会', timeZone: 'Europe/Berlin' }).success).toBe(true);
    for (const zone of ['Mars/Olympus', '', 'x'.repeat(65), 'Asia/Shanghai; DROP']) expect(CreateMeetingRequestSchema.safeParse({ title: '会', timeZone: zone }).success, zone).toBe(false);
    const h = MeetingHarness.created();
    expect(h.current.timeZone).toBe('Asia/Shanghai');
    expect(h.log[0]!.event).toMatchObject({ type: 'meeting.created', timeZone: 'Asia/Shanghai' });
  });
});
