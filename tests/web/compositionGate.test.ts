import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { compositionGate } from '../../web/src/lib/editor/compositionGate.ts';

describe('the composition gate between an editor and the shared document', () => {
  it('passes edits both ways at once, with the editor making them under the presence id the connection took', () => {
    const shared = new Y.Doc();
    const presenceId = shared.clientID;
    const gate = compositionGate(shared);
    expect(gate.editorDoc.clientID).toBe(presenceId);
    expect(shared.clientID).not.toBe(presenceId);
    gate.editorDoc.getText('t').insert(0, '章程');
    expect(shared.getText('t').toString()).toBe('章程');
    const other = new Y.Doc();
    other.getText('t').insert(0, '草案');
    Y.applyUpdate(shared, Y.encodeStateAsUpdate(other));
    expect(gate.editorDoc.getText('t').toString()).toBe(shared.getText('t').toString());
    // The edits in the editor are the presence id's: a caret naming them is this person's own.
    expect(Y.decodeStateVector(Y.encodeStateVector(shared)).has(presenceId)).toBe(true);
  });

  it('while composing, neither way passes: the letters never reach the shared document, others\' edits wait; on release both pass, the word as one update', () => {
    const shared = new Y.Doc();
    const gate = compositionGate(shared);
    const text = gate.editorDoc.getText('t');
    text.insert(0, '，可以');
    const sent: Uint8Array[] = [];
    shared.on('update', (u: Uint8Array) => sent.push(u));
    gate.hold();
    let composed = 0;
    for (const pinyin of ['h', 'hu', 'hui', 'huiy', 'huiyuan', '会员']) {
      text.delete(1, composed);
      text.insert(1, pinyin);
      composed = pinyin.length;
    }
    expect(shared.getText('t').toString()).toBe('，可以');
    expect(sent).toEqual([]);
    // Someone else's word arrives meanwhile: held.
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(shared));
    other.getText('t').insert(1, '大会');
    Y.applyUpdate(shared, Y.encodeStateAsUpdate(other, Y.encodeStateVector(shared)));
    expect(text.toString()).toBe('，会员可以');
    gate.release();
    expect(sent.length).toBe(2); // the word (one update), then the other's edit
    expect(text.toString()).toBe(shared.getText('t').toString());
    expect(text.toString()).not.toMatch(/[a-z]/);
    expect(text.toString().length).toBe('，大会会员可以'.length);
  });
});
