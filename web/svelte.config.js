import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    // The realtime server imports build/handler.js and serves it next to Socket.IO and /yjs.
    adapter: adapter({ out: 'build' }),
    // Registered by the document page, for a person who may write a document (offlineCopy.svelte.ts):
    // only they need the app kept for a reload without a network [D30], and no other phone, board or
    // console downloads the whole app for a cache.
    serviceWorker: { register: false }
  }
};

export default config;
