/** Rows come back from SQLite as strings or numbers and from PostgreSQL/MySQL as Dates. */
export const toDate = (value: unknown): Date | null => {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value;
  const date = new Date(value as string | number);
  return Number.isNaN(date.getTime()) ? null : date;
};

export const toRequiredDate = (value: unknown, fallback: Date): Date => toDate(value) ?? fallback;
