// Measurement (not a test): CPU per event of ingest's decodeMessage (JSON.parse of the
// envelope, the checks, the row), beside JSON.parse and the edge's ajv validator alone.
//   npx tsx test/ingest/measure/decode-cost.ts [eventsPerMessage=50] [rounds=20]
// Events are shaped like the load generator's telemetry (every field set, kills_per_hour
// half numbers, half numeric strings). Process CPU time, not wall time, so a machine
// shared with other work disturbs it less; min and median over the rounds after two
// warm-up rounds. Result: docs/ingest.md "Measurements".
import { decodeMessage } from '../../../src/ingest/decode.js';
import { encodeEnvelope } from '../../../src/shared/envelope.js';
import { subjectFor } from '../../../src/shared/subjects.js';
import { validators } from '../../../schemas/validators.js';
import { envelope, telemetry, type Ev } from '../fixtures.js';

const perMsg = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 20);
const MESSAGES_PER_ROUND = Math.ceil(200_000 / perMsg);
const PREFIX = 'measure';
const NAME = 'Measure Decode';

const fullEvent = (i: number): Ev =>
  telemetry(NAME, i, {
    char_tag: 'bench',
    session_id: `session-${i >> 10}`,
    deaths: i >> 12,
    rares_found: i >> 14,
    prismatic_taper_count: 1000 - (i % 1000),
    kills_per_hour: i & 1 ? `${(i % 977) + 0.5}` : (i % 977) + 0.5,
    onlinetime: `00:${String(i % 60).padStart(2, '0')}:00`,
    vt_state: 'Combat',
    latency_ms: i % 120,
    mem_mb: 512 + (i % 64),
    cpu_pct: (i % 100) / 4,
    mem_handles: 900 + (i % 50),
  });

const eventsOfMessage = (m: number) => Array.from({ length: perMsg }, (_, i) => fullEvent(m * perMsg + i));
const messages = Array.from({ length: 64 }, (_, m) => encodeEnvelope(envelope('telemetry', eventsOfMessage(m))));
const events = messages.map((data) => JSON.parse(Buffer.from(data).toString('utf8')).events as Ev[]);
const subject = subjectFor(PREFIX, 'telemetry', NAME);
const limits = { prefix: PREFIX, maxMessageBytes: 8 << 20 };
const validate = validators.get('telemetry')!;

/** ns of CPU per event of `fn(messageIndex)`: min and median over the rounds. */
function cpuPerEvent(fn: (m: number) => void): { min: number; median: number } {
  const perRound: number[] = [];
  for (let r = 0; r < rounds + 2; r++) {
    const start = process.cpuUsage();
    for (let k = 0; k < MESSAGES_PER_ROUND; k++) fn(k % messages.length);
    const used = process.cpuUsage(start);
    if (r >= 2) perRound.push(((used.user + used.system) * 1000) / (MESSAGES_PER_ROUND * perMsg));
  }
  perRound.sort((a, b) => a - b);
  return { min: perRound[0], median: perRound[Math.floor(perRound.length / 2)] };
}

const figures = {
  decodeMessage: cpuPerEvent((m) => decodeMessage(limits, subject, messages[m], m)),
  'JSON.parse alone': cpuPerEvent((m) => JSON.parse(Buffer.from(messages[m]).toString('utf8'))),
  'edge ajv validator alone': cpuPerEvent((m) => {
    for (const e of events[m]) if (!validate(e)) throw new Error('a measured event is invalid');
  }),
};
console.log(`${perMsg} telemetry events per message, ${rounds} rounds of ${MESSAGES_PER_ROUND} messages`);
for (const [name, { min, median }] of Object.entries(figures))
  console.log(
    `${name.padEnd(26)} min ${(min / 1000).toFixed(2)} µs, median ${(median / 1000).toFixed(2)} µs per event`,
  );
