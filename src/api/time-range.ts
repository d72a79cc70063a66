// The [from, to) range of a request, with defaults, at millisecond precision (the
// precision of every timestamp the API returns). Normalising here means the SQL, the
// hour alignment of the heatmaps and the response all see the same instants.
import { BadRequestError } from './query-params.js';

export interface TimeRange {
  from: Date;
  to: Date;
}

export function timeRange(q: { from?: string; to?: string }, defaultSeconds: number, now = new Date()): TimeRange {
  const to = q.to !== undefined ? new Date(q.to) : now;
  const from = q.from !== undefined ? new Date(q.from) : new Date(to.getTime() - defaultSeconds * 1000);
  for (const [name, d] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (Number.isNaN(d.getTime()))
      throw new BadRequestError(name, `query parameter "${name}" is not a valid date-time`);
  }
  if (from.getTime() > to.getTime())
    throw new BadRequestError(
      'from',
      `query parameter "from" (${from.toISOString()}) is after "to" (${to.toISOString()})`,
    );
  return { from, to };
}
