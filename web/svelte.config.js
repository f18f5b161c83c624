import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    // The realtime server imports build/handler.js and serves it next to Socket.IO and /yjs.
    adapter: adapter({ out: 'build' })
  }
};

export default config;
