// Meeting pages live on a token kept in the browser and a live socket: nothing to render on the server.
export const ssr = false;
