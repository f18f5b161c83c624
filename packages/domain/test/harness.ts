import type { Actor } from '@yishi/protocol';
import { DEFAULT_GROUPS } from '@yishi/protocol';
import { decide, evolve, type DecideContext, type Decision, type MeetingState, type ClientCommand, type Command, type EventMessage, type ServerCommand } from '../src/index.ts';

export const FACILITATOR: Actor = { role: 'facilitator' };
export const SECRETARY: Actor = { role: 'secretary' };
export const BOARD: Actor = { role: 'board' };
export const SYSTEM: Actor = { role: 'system' };
export const participant = (participantId: string): Actor => ({ role: 'participant', participantId });

/** Sequential ids, so runs are reproducible: id0001, id0002, … */
export function idSource(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}${String(++n).padStart(4, '0')}`;
}

type WithoutCommandId<C> = C extends unknown ? Omit<C, 'commandId'> : never;
let commandCount = 0;
export function cmd(body: WithoutCommandId<ClientCommand>): ClientCommand {
  return { ...body, commandId: `cmd-${String(++commandCount).padStart(6, '0')}` };
}

export function createCommand(groups: readonly string[] = DEFAULT_GROUPS): ServerCommand {
  return { type: 'meeting.create', meetingId: 'meet0001', joinCode: '123456', title: '滨河东里议事会', groups: [...groups], language: 'zh-CN', templateId: 'open-space' };
}

export function joinCommand(participantId: string, group = '居民', name = `居民${participantId}`): ServerCommand {
  return { type: 'participant.join', participantId, name, group };
}

/** A meeting driven through decide → evolve, keeping the log as the server would. */
export class MeetingHarness {
  state: MeetingState | null = null;
  readonly log: EventMessage[] = [];
  readonly ctx: DecideContext;
  now = 1_700_000_000_000;

  constructor(newId: () => string = idSource()) {
    this.ctx = { now: this.now, newId };
  }

  static created(groups?: readonly string[]): MeetingHarness {
    const h = new MeetingHarness();
    h.must(createCommand(groups), FACILITATOR);
    return h;
  }

  run(command: Command, actor: Actor): Decision {
    this.now += 1000;
    const decision = decide(this.state, command, actor, { now: this.now, newId: this.ctx.newId });
    if (decision.ok) {
      for (const event of decision.events) {
        const entry: EventMessage = { seq: this.log.length + 1, at: this.now, actor, event };
        this.log.push(entry);
        this.state = evolve(this.state, entry);
      }
    }
    return decision;
  }

  /** Runs a command that must succeed; returns its events. */
  must(command: Command, actor: Actor): Decision & { ok: true } {
    const decision = this.run(command, actor);
    if (!decision.ok) throw new Error(`${command.type} by ${actor.role} refused: ${decision.error.code} ${decision.error.message}`);
    return decision;
  }

  get current(): MeetingState {
    if (this.state === null) throw new Error('no meeting yet');
    return this.state;
  }

  join(participantId: string, group = '居民'): void {
    this.must(joinCommand(participantId, group), participant(participantId));
  }

  advance(): void {
    this.must(cmd({ type: 'phase.advance', fromPhaseId: this.current.phaseId }), FACILITATOR);
  }

  /** Posts as a participant and returns the new topic id. */
  post(participantId: string, title = '停车难'): string {
    const decision = this.must(cmd({ type: 'topic.post', title, description: '' }), participant(participantId));
    const event = decision.events[0];
    if (event?.type !== 'topic.posted') throw new Error('expected topic.posted');
    return event.topicId;
  }

  merge(targetId: string, sourceIds: string[]): string {
    const decision = this.must(cmd({ type: 'topic.merge', targetId, sourceIds }), FACILITATOR);
    const event = decision.events[0];
    if (event?.type !== 'topic.merged') throw new Error('expected topic.merged');
    return event.mergeId;
  }
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
