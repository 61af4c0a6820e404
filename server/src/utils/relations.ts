/**
 * A relation value as the Document Service accepts it: an id, a documentId, `{ id }`,
 * `{ documentId }`, or `{ connect | set: [...] , disconnect: [...] }`. Returns what it points at
 * (`null` for an explicit disconnect, `undefined` when the value does not touch the relation).
 */
export type RelationRef = { id?: number; documentId?: string } | null | undefined;

const refOf = (value: unknown): RelationRef => {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value)) return { id: value };
  if (typeof value === 'string' && value !== '') {
    return /^\d+$/.test(value) ? { id: Number(value) } : { documentId: value };
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (typeof v.documentId === 'string') return { documentId: v.documentId };
    if (typeof v.id === 'number' || typeof v.id === 'string') return refOf(v.id);
  }
  return undefined;
};

export const relationRef = (value: unknown): RelationRef => {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? null : refOf(value[value.length - 1]);
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    for (const key of ['set', 'connect'] as const) {
      if (Array.isArray(v[key]) && (v[key] as unknown[]).length > 0) {
        return refOf((v[key] as unknown[])[(v[key] as unknown[]).length - 1]);
      }
    }
    if (Array.isArray(v.set)) return null;
    if (Array.isArray(v.disconnect) && (v.disconnect as unknown[]).length > 0) return null;
    if ('connect' in v || 'disconnect' in v) return undefined;
  }
  return refOf(value);
};
