/**
 * Deadlocks and serialization failures are a normal answer from PostgreSQL and MySQL under
 * concurrency: the transaction was rolled back whole and may simply run again.
 */
export const isTransientConflict = (error: unknown): boolean => {
  const e = error as { code?: string; errno?: number };
  return (
    e?.code === '40P01' ||
    e?.code === '40001' ||
    // A deadlock that code below us caught and swallowed leaves PostgreSQL's transaction
    // aborted; the next statement says so. The transaction is lost either way: run it again.
    e?.code === '25P02' ||
    e?.errno === 1213 ||
    e?.code === 'ER_LOCK_DEADLOCK'
  );
};

export const retryOnConflict = async <T>(work: () => Promise<T>, attempts = 4): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransientConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
};
