import type { Actor } from '@yishi/protocol';
import { decide, type Command } from './registry.ts';
import type { MeetingState } from './state.ts';

const PROBE = { now: 0, newId: () => 'probe' };

/** A command as a screen holds it before sending: no rule reads the command id, so it is not needed here. */
export type CommandBody = Command extends infer C ? (C extends Command ? Omit<C, 'commandId'> : never) : never;

/**
 * Whether `decide` would accept this command from this actor now: what screens ask before they offer a
 * control, so a button is shown only where the phase, the role and the meeting's state allow it. One
 * source of truth (the domain's own rules), never a second copy of them in the page. Pure and cheap.
 */
export function permits(state: MeetingState | null, body: CommandBody, actor: Actor): boolean {
  const command = { commandId: 'probe-command', ...body } as Command;
  if (state === null || state.view !== 'full') {
    // A projected view lacks what some rules read (hidden topics); decide refuses to run on it. The rules
    // a screen asks about read only what every view holds, so ask on a copy marked full.
    return state !== null && decide({ ...state, view: 'full' }, command, actor, PROBE).ok;
  }
  return decide(state, command, actor, PROBE).ok;
}
