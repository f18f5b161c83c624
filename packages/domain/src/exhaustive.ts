/** Makes a `switch` over a union fail to compile when a member is added and not handled. */
export function exhaustive(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
