/**
 * `record[key]` for a key the caller does not control: only the record's own properties count,
 * so `constructor`, `__proto__` or `toString` read as missing instead of reaching the prototype.
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
