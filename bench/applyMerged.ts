/**
 * The baseline of `bench/docLoad.ts`, in a fresh process: apply one merged update (a file) to a new
 * document, as the best any load could do. Prints `{"applyMs":…}`.
 */
import { readFileSync } from 'node:fs';
import * as Y from 'yjs';

const update = new Uint8Array(readFileSync(process.argv[2]!));
const started = performance.now();
const doc = new Y.Doc();
Y.applyUpdate(doc, update);
const applyMs = performance.now() - started;
console.log(JSON.stringify({ applyMs, length: doc.getText('body').length }));
