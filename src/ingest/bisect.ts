// Bisection for poison messages (docs/ingest.md "Failures"): one bad row fails a whole
// COPY (docs/dependencies.md "pg-copy-streams"). When `apply` refuses a batch, split it
// in halves and apply each half on its own, down to single items: the good ones are
// applied, each refused one is returned with the error that refused it. An error that is
// not a refusal (the database is unreachable, …) says nothing about the items: it is
// thrown unchanged, so the caller keeps the whole batch and retries it later.
// Cost: about 2·log2(n) extra applies per refused item; none when all is well.

export interface Bisected<T, R> {
  /** Items of the sub-batches `apply` accepted, in input order. */
  readonly applied: T[];
  /** What `apply` returned, once per accepted sub-batch. */
  readonly results: R[];
  /** Items refused on their own, with the error that refused them. */
  readonly refused: { item: T; error: unknown }[];
}

export async function bisect<T, R>(
  items: readonly T[],
  apply: (batch: readonly T[]) => Promise<R>,
  isRefusal: (err: unknown) => boolean,
): Promise<Bisected<T, R>> {
  const out: Bisected<T, R> = { applied: [], results: [], refused: [] };
  const step = async (batch: readonly T[]): Promise<void> => {
    if (batch.length === 0) return;
    try {
      out.results.push(await apply(batch));
      out.applied.push(...batch);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      if (batch.length === 1) {
        out.refused.push({ item: batch[0], error });
        return;
      }
      const mid = Math.ceil(batch.length / 2);
      await step(batch.slice(0, mid));
      await step(batch.slice(mid));
    }
  };
  await step(items);
  return out;
}
