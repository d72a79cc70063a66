// Timestamps of the old app's SQLite file -> RFC 3339 UTC (docs/import.md "Timestamps").
// Its writers stored several styles over the years; all mean UTC when no zone is given:
//   2025-01-02T03:04:05Z / 2025-01-02T03:04:05.123+02:00   ISO 8601 with a zone
//   2025-01-02T03:04:05.123456                              ISO 8601 without a zone
//   2025-01-02 03:04:05(.ffffff)(+00:00)                    Python's str(datetime)
//   1735787045 / 1735787045.25 / "1735787045"               epoch seconds (number or text)
// The output keeps the sub-second digits as written (up to 9; PostgreSQL keeps 6), so
// the conversion loses nothing; it is always `YYYY-MM-DDTHH:MM:SS[.f]Z`, so one instant
// written in two styles gives one event (and one event id, see event-id.ts).

export interface ParsedTimestamp {
  /** RFC 3339 in UTC, e.g. 2025-01-02T03:04:05.123456Z */
  iso: string;
  /** Milliseconds since the epoch (for --since). */
  ms: number;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(?:([Zz])|(?:UTC|GMT)|([+-])(\d{2}):?(\d{2})?)?$/;
const EPOCH = /^\s*(\d{1,12})(?:\.(\d{1,9}))?\s*$/;
/** Latest epoch second accepted: 9999-12-31T23:59:59Z (bigger numbers are not seconds). */
export const MAX_EPOCH_SECONDS = 253402300799;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function format(msWhole: number, fraction: string): ParsedTimestamp | undefined {
  const d = new Date(msWhole);
  const y = d.getUTCFullYear();
  if (!Number.isFinite(msWhole) || y < 1 || y > 9999) return undefined;
  const frac = fraction.replace(/0+$/, '');
  const date = `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const iso = `${date}T${time}${frac ? `.${frac}` : ''}Z`;
  return { iso, ms: msWhole + (frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0) };
}

function fromEpoch(whole: string, fraction = ''): ParsedTimestamp | undefined {
  const s = Number(whole);
  if (s > MAX_EPOCH_SECONDS) return undefined;
  return format(s * 1000, fraction);
}

/** The instant `value` (a SQLite value) means, or undefined when it is none of the styles above. */
export function parseOldTimestamp(value: unknown): ParsedTimestamp | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    const [whole, fraction] = String(value).split('.');
    return /e/i.test(whole) ? undefined : fromEpoch(whole, fraction);
  }
  if (typeof value === 'bigint') return value < 0n ? undefined : fromEpoch(value.toString());
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const epoch = EPOCH.exec(text);
  if (epoch) return fromEpoch(epoch[1], epoch[2]);
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', fraction = '', , sign, oh, om = '00'] = m;
  const nums = [y, mo, d, h, mi, s].map(Number);
  const local = Date.UTC(nums[0], nums[1] - 1, nums[2], nums[3], nums[4], nums[5]);
  // Date.UTC rolls Feb 30 over into March: refuse dates that do not exist.
  const back = new Date(local);
  if (
    back.getUTCMonth() !== nums[1] - 1 ||
    back.getUTCDate() !== nums[2] ||
    nums[3] > 23 ||
    nums[4] > 59 ||
    nums[5] > 59
  )
    return undefined;
  // Date.UTC maps years 0-99 to 1900-1999.
  if (nums[0] < 100) return undefined;
  const offsetMin = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  if (Math.abs(offsetMin) > 18 * 60) return undefined;
  return format(local - offsetMin * 60_000, fraction);
}
