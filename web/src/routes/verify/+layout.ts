// Verification runs in the browser (the chain check of an archive never leaves it): nothing to render on the server.
export const ssr = false;
