/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, version } from '$service-worker';

/**
 * The app shell for a reload without a network [D30]. Browsers run it only in a secure context (https,
 * or localhost): on a hall's plain-http LAN address it is never installed and nothing changes.
 *
 * - The built app and the static files of this version are cached when it installs, in a cache named
 *   by the version; an older version's cache is deleted when this one takes over, so an upgrade never
 *   mixes code of two builds. Built files are content-hashed: served from the cache.
 * - A document page (`/m/<meeting>/d/<doc>`) is fetched from the network first, always; only when that
 *   fails is the shell cached with this version served (the pages render in the browser: the shell is
 *   the same for every document and holds nothing of a meeting). The document itself comes from the
 *   browser's own offline copy (IndexedDB).
 * - Nothing else is touched: the API, Socket.IO, /yjs, exports and every other page go to the network
 *   as if there were no service worker, and no answer of theirs is ever cached.
 */
const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE = `yishi-app-${version}`;
const ASSETS = new Set([...build, ...files]);
/** Where the document page's shell is kept in the cache (and fetched from when this version installs). */
const SHELL = '/m/offline/d/offline';
const DOCUMENT_PAGE = /^\/m\/[A-Za-z0-9_-]{1,64}\/d\/[A-Za-z0-9_-]{1,64}$/;

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([...ASSETS]);
      // The shell as this version's server renders it; if that fails now, the first document page opened fills it.
      try {
        const shell = await fetch(SHELL, { credentials: 'same-origin' });
        if (isShell(shell)) await cache.put(SHELL, shell);
      } catch {
        /* offline while installing: filled on the next document page */
      }
      await sw.skipWaiting();
    })()
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await sw.clients.claim();
    })()
  );
});

function isShell(response: Response): boolean {
  return response.ok && response.status === 200 && response.type === 'basic' && (response.headers.get('content-type') ?? '').startsWith('text/html');
}

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || request.headers.has('range')) return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;

  if (ASSETS.has(url.pathname)) {
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        return (await cache.match(url.pathname)) ?? fetch(request);
      })()
    );
    return;
  }

  if (request.mode === 'navigate' && DOCUMENT_PAGE.test(url.pathname)) {
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        try {
          const response = await fetch(request);
          if (isShell(response)) await cache.put(SHELL, response.clone());
          return response;
        } catch (err) {
          const shell = await cache.match(SHELL);
          if (shell) return shell;
          throw err;
        }
      })()
    );
  }
  // Anything else: not handled here, so never cached.
});
