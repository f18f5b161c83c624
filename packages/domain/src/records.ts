/**
 * Ids and group names are text a client can choose within the schema, and `__proto__` or
 * `constructor` pass the id pattern: read records only through their own properties and write them
 * with computed keys or `Object.fromEntries` (which define own properties), never by assignment.
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function withEntry<T>(record: Readonly<Record<string, T>>, key: string, value: T): Record<string, T> {
  return { ...record, [key]: value };
}

export function withoutEntry<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  if (!Object.hasOwn(record, key)) return record;
  const { [key]: _removed, ...rest } = record;
  return rest;
}

/** Replaces an existing entry with `update(entry)`; a missing entry leaves the record as it is. */
export function updateEntry<T>(record: Readonly<Record<string, T>>, key: string, update: (value: T) => T): Record<string, T> {
  const value = own(record, key);
  return value === undefined ? record : withEntry(record, key, update(value));
}

export function filterRecord<T>(record: Readonly<Record<string, T>>, keep: (value: T) => boolean): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => keep(value)));
}
