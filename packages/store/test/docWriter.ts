/**
 * A process that appends document updates to a SQLite store and says so after each append resolves;
 * sqlite.test.ts kills it with SIGKILL mid-stream [S23]. Args: data dir, number of groups.
 */
import * as Y from 'yjs';
import { openSqliteStore } from '../src/sqlite.ts';

const [dir, groups] = process.argv.slice(2) as [string, string];
const store = await openSqliteStore(dir);
const doc = new Y.Doc();
let last: Uint8Array = new Uint8Array();
doc.on('update', (u: Uint8Array) => (last = u));
for (let i = 0; i < Number(groups); i++) {
  doc.getText('notes').insert(0, String.fromCharCode(0x4e00 + i));
  await store.appendDocUpdates('m-kill', 'notes', [last], { checked: true });
  process.stdout.write(`${i + 1}\n`);
}
// Waits here, its appends made, to be killed: no close, no sync of its own.
setInterval(() => undefined, 1000);
