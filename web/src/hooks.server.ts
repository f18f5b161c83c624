import type { Handle } from '@sveltejs/kit';
import { paraglideMiddleware } from '$lib/paraglide/server';

/** Renders each request in the language its cookie asks for (zh-CN by default). */
export const handle: Handle = ({ event, resolve }) =>
  paraglideMiddleware(event.request, ({ request, locale }) => {
    event.request = request;
    return resolve(event, { transformPageChunk: ({ html }) => html.replace('%paraglide.lang%', locale) });
  });
