import { errorText } from '$lib/i18n';
import type { CommandInput, MeetingConnection } from './connection.svelte';

/**
 * Sends a page's commands and keeps the last refusal as text from the message catalogue (never the
 * server's own message), for the page to show next to what was tried.
 */
export class CommandRunner {
  error = $state('');

  constructor(private readonly connection: MeetingConnection | null) {}

  /** Resolves true when the server took the command. */
  run = async (command: CommandInput): Promise<boolean> => {
    if (!this.connection) return false;
    this.error = '';
    const ack = await this.connection.send(command);
    if (!ack.ok) this.error = errorText(ack.error);
    return ack.ok;
  };
}
