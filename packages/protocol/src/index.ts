export * from './errors.ts';
export * from './text.ts';
export * from './model.ts';
export * from './events.ts';
export * from './messages.ts';
export * from './http.ts';
export * from './chainCheck.ts';
export * from './exportHttp.ts';
