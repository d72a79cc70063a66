// The page's alert state without a DOM (web/src/alert-book.ts): which live messages open
// a toast, how a resolution and repeats apply, what the Players list and the map mark,
// the bound on resolved alerts kept, and how a detail reads.
import t from 'tap';
import { AlertBook, ALERT_LIMITS, describeDetail, isOneShot } from '../../web/src/alert-book.js';
import type { Alert } from '../../web/src/types.js';

const at = (min: number) => new Date(Date.UTC(2026, 11, 4, 12, min)).toISOString();
const alert = (id: string, over: Partial<Alert> = {}): Alert => ({
  id,
  character_name: 'Ann Lee',
  kind: 'death',
  state: 'open',
  started_at: at(0),
  resolved_at: null,
  detail: {},
  ...over,
});

t.test('a new open alert is "raised" once; a repeat changes nothing', async (t) => {
  const book = new AlertBook();
  t.equal(book.apply(alert('a')), 'raised');
  const v = book.version;
  t.equal(book.apply(alert('a')), 'unchanged', 'the same open again (snapshot and live feed)');
  t.equal(book.version, v, 'no redraw for a repeat');
  t.same([...book.marks], [['Ann Lee', ['death']]]);
});

t.test('a resolution closes the alert and unmarks the character; a late open never reopens it', async (t) => {
  const book = new AlertBook();
  book.apply(alert('a', { kind: 'offline' }));
  book.apply(alert('b', { kind: 'idle', character_name: 'Bob' }));
  t.equal(book.apply(alert('a', { kind: 'offline', state: 'resolved', resolved_at: at(5) })), 'resolved');
  t.same(
    book.open().map((a) => a.id),
    ['b'],
  );
  t.same(
    book.resolved().map((a) => a.id),
    ['a'],
  );
  t.notOk(book.marks.has('Ann Lee'), 'Ann Lee no longer marked');
  t.equal(book.apply(alert('a', { kind: 'offline' })), 'unchanged', 'an open arriving after its resolution');
  t.same(
    book.open().map((a) => a.id),
    ['b'],
  );
});

t.test('a snapshot replaces the book; open alerts newest first; kinds per character listed once', async (t) => {
  const book = new AlertBook();
  book.apply(alert('old'));
  book.replace([
    alert('x', { started_at: at(1), kind: 'client' }),
    alert('y', { started_at: at(3), kind: 'idle' }),
    alert('z', { started_at: at(2), kind: 'client' }),
    alert('r', { state: 'resolved', started_at: at(0), resolved_at: at(0) }),
  ]);
  t.same(
    book.open().map((a) => a.id),
    ['y', 'z', 'x'],
  );
  t.same(book.marks.get('Ann Lee'), ['idle', 'client']);
  t.equal(
    book.apply(alert('y', { started_at: at(3), kind: 'idle' })),
    'unchanged',
    'held live copy of a snapshot alert',
  );
});

t.test('a death (resolved as raised) is news and marks its character for a while', async (t) => {
  let now = Date.parse(at(1));
  const book = new AlertBook(() => now);
  const death = alert('d', { state: 'resolved', started_at: at(0), resolved_at: at(0), detail: { count: 1 } });
  t.ok(isOneShot(death));
  t.equal(book.apply(death), 'raised', 'a toast for a new death');
  t.equal(book.apply(death), 'unchanged', 'once');
  t.same(book.marks.get('Ann Lee'), ['death'], 'marked');
  t.same(
    book.resolved().map((a) => a.id),
    ['d'],
    'listed with the resolved ones',
  );
  t.equal(
    book.apply(alert('o', { kind: 'offline', state: 'resolved', started_at: at(0), resolved_at: at(1) })),
    'resolved',
    'the resolution of an alert the page never saw open is no news',
  );
  const v = book.version;
  now = Date.parse(at(5));
  book.expire();
  t.equal(book.version, v, 'still marked inside the window');
  now = Date.parse(at(0)) + ALERT_LIMITS.oneShotMarkMs;
  book.expire();
  t.notOk(book.marks.has('Ann Lee'), `unmarked ${ALERT_LIMITS.oneShotMarkMs / 60_000} min after the death`);
  t.ok(book.version > v, 'and redrawn');
});

t.test('malformed messages are ignored, never thrown on', async (t) => {
  const book = new AlertBook();
  t.equal(book.apply({ id: 'q' } as Alert), 'unchanged');
  t.equal(book.apply(alert('q', { started_at: 'not a time' })), 'unchanged');
  t.equal(book.apply(alert('q', { state: 'maybe' as Alert['state'] })), 'unchanged');
  t.equal(book.open().length, 0);
});

t.test(`at most ${ALERT_LIMITS.resolvedKept} resolved alerts are kept, the newest resolutions`, async (t) => {
  const book = new AlertBook();
  const n = ALERT_LIMITS.resolvedKept + 30;
  for (let i = 0; i < n; i++)
    book.apply(
      alert(`r${i}`, {
        state: 'resolved',
        started_at: at(0),
        resolved_at: new Date(Date.UTC(2026, 11, 4, 13, 0, i)).toISOString(),
      }),
    );
  const kept = book.resolved();
  t.equal(kept.length, ALERT_LIMITS.resolvedKept);
  t.equal(kept[0].id, `r${n - 1}`, 'newest first');
  t.equal(kept.at(-1)!.id, `r${n - ALERT_LIMITS.resolvedKept}`, 'the oldest resolutions went first');
});

t.test('details read as words for the documented keys and key: value for the rest', async (t) => {
  t.equal(describeDetail({ count: 2, deaths: 5 }), '2 deaths · deaths counter 5');
  t.equal(describeDetail({ count: 1 }), '1 death');
  t.match(describeDetail({ last_received_at: at(7), after_seconds: 300 }), /^last heard \S.* · after 300 s$/);
  t.equal(describeDetail({ ew: 10.5, ns: -3, kills: 7, after_seconds: 600 }), 'at 10.50, -3 · kills 7 · after 600 s');
  t.equal(
    describeDetail({ over: { mem_mb: 2100.5, latency_ms: 900 }, thresholds: { mem_mb: 2000 } }),
    'mem_mb 2100.50 > 2000 · latency_ms 900',
  );
  t.equal(describeDetail({ ew: 1 }), 'ew: 1', 'half of a pair reads as key: value');
  t.equal(
    describeDetail({ zone: 'Holtburg', tries: 3, where: { ew: 1 }, over: 5 }),
    'zone: Holtburg · tries: 3 · where: {"ew":1} · over: 5',
  );
  t.equal(describeDetail({}), '');
  t.equal(describeDetail(null), '', 'no detail at all');
});
