import { Extension, type Editor } from '@tiptap/core';
import { Plugin } from '@tiptap/pm/state';
import { yCursorPluginKey } from '@tiptap/y-tiptap';
import * as Y from 'yjs';

/**
 * Keeps a word being composed with an input method (pinyin, 注音, handwriting, voice) and other
 * people's edits out of each other's way. While a composition is open, the browser owns the text node
 * it composes into, and the letters in it ("huiyuan") are not text yet. Two things go wrong if they are
 * treated as text: another person's edit re-rendered into that paragraph aborts the composition; and
 * the letters, sent to everyone, get entangled with what others type next to them (the binding reads
 * each editor's text as a diff of strings, so a neighbour's "dah" can take this person's "h" as its
 * own), and when the word is committed and the letters deleted, a stray letter of someone else's
 * stays ("大会h会员代表"). So the editor works on a document of its own, joined to the shared document
 * (the one the connection syncs) both ways at once — except while the person is composing, when
 * neither way passes: the composed word goes out whole, and others' edits come in, once it is committed.
 * Both documents hold the same items (updates are applied, not re-made), so carets and selections,
 * which name items, mean the same in both. Make the gate right after the connection (whose presence
 * took the shared document's id), before anything edits.
 */
export interface CompositionGate {
  /** The document the editor binds to. */
  readonly editorDoc: Y.Doc;
  /** Holds edits both ways from now until `release` (a composition started). */
  hold(): void;
  /** Passes on what was held, both ways (a composition ended). */
  release(): void;
  destroy(): void;
}

const FROM_SHARED = Symbol('from the shared document');
const FROM_EDITOR = Symbol('from the editor');

export function compositionGate(shared: Y.Doc): CompositionGate {
  const editorDoc = new Y.Doc({ gc: shared.gc });
  // The editor's edits are this person's: made under the id the connection's presence already carries
  // (so carets know which one is their own), and the shared document, which never edits, takes another.
  editorDoc.clientID = shared.clientID;
  shared.clientID = new Y.Doc().clientID;
  let holding = false;
  /** Others' edits waiting for the editor, and the editor's waiting to go out. */
  let heldIn: Uint8Array[] = [];
  let heldOut: Uint8Array[] = [];
  // What the shared document already holds (an offline copy, a sync that came first) is the start.
  Y.applyUpdate(editorDoc, Y.encodeStateAsUpdate(shared), FROM_SHARED);
  const fromShared = (update: Uint8Array, origin: unknown) => {
    if (origin === FROM_EDITOR) return;
    if (holding) heldIn.push(update);
    else Y.applyUpdate(editorDoc, update, FROM_SHARED);
  };
  const fromEditor = (update: Uint8Array, origin: unknown) => {
    if (origin === FROM_SHARED) return;
    if (holding) heldOut.push(update);
    else Y.applyUpdate(shared, update, FROM_EDITOR);
  };
  shared.on('update', fromShared);
  editorDoc.on('update', fromEditor);
  return {
    editorDoc,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      const outgoing = heldOut;
      const incoming = heldIn;
      heldOut = [];
      heldIn = [];
      // The word goes out as one update: its letters and their deletion together, never seen alone.
      if (outgoing.length > 0) Y.applyUpdate(shared, Y.mergeUpdates(outgoing), FROM_EDITOR);
      if (incoming.length > 0) Y.applyUpdate(editorDoc, Y.mergeUpdates(incoming), FROM_SHARED);
    },
    destroy() {
      shared.off('update', fromShared);
      editorDoc.off('update', fromEditor);
      editorDoc.destroy();
    }
  };
}

/**
 * Other people's carets wait too: a caret drawn or removed beside the word being composed changes the
 * text node the input method composes into (the composition then commits with a stray letter). Their
 * moves are dropped while composing and drawn afresh by `refreshCarets` when the gate releases.
 */
export const HoldCaretsWhileComposing = Extension.create({
  name: 'holdCaretsWhileComposing',
  addProseMirrorPlugins() {
    const editor = this.editor;
    return [
      new Plugin({
        filterTransaction: (tr) => !(editor.view.composing && tr.getMeta(yCursorPluginKey) && !tr.docChanged)
      })
    ];
  }
});

/** Draws every caret from the presence as it is now. */
export function refreshCarets(editor: Editor): void {
  editor.view.dispatch(editor.state.tr.setMeta(yCursorPluginKey, { awarenessUpdated: true }));
}
