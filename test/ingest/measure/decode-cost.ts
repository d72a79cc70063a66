// Measurement (not a test): CPU per event of ingest's decodeMessage (JSON.parse of the
// envelope, the checks, the row), for an unsigned message (checked in full) and one the
// edge signed (trusted: no second schema validation, docs/security.md "Signed
// messages"), beside the signature check itself, JSON.parse and the edge's ajv
// validator alone.
//   npx tsx test/ingest/measure/decode-cost.ts [eventsPerMessage=50] [rounds=20]
// Events are shaped like the load generator's telemetry (every field set, kills_per_hour
// half numbers, half numeric strings). Process CPU time, not wall time, so a machine
// shared with other work disturbs it less; min and median over the rounds after two
// warm-up rounds; the figures take turns within each round, so a busy moment of the
// machine falls on all of them. Results: docs/ingest.md "Measurements", docs/benchmarks.md
// "Per-event CPU budget".
import { decodeMessage } from '../../../src/ingest/decode.js';
import { encodeEnvelope } from '../../../src/shared/envelope.js';
import { subjectFor } from '../../../src/shared/subjects.js';
import { validators } from '../../../schemas/validators.js';
import { messageSigner } from '../../../src/shared/message-signature.js';
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

const signer = messageSigner('measure-key-'.repeat(4));
const signatures = messages.map((data) => signer.sign(subject, data));

const figures: Record<string, (m: number) => void> = {
  'decodeMessage, unsigned': (m) => decodeMessage(limits, subject, messages[m], m),
  'decodeMessage, signed': (m) => decodeMessage(limits, subject, messages[m], m, true),
  'signature check (HMAC)': (m) => {
    if (!signer.verify(subject, messages[m], signatures[m])) throw new Error('a measured signature is invalid');
  },
  'JSON.parse alone': (m) => JSON.parse(Buffer.from(messages[m]).toString('utf8')),
  'edge ajv validator alone': (m) => {
    for (const e of events[m]) if (!validate(e)) throw new Error('a measured event is invalid');
  },
};

/** ns of CPU per event of each figure: rounds taken in turns, min and median after two warm-up rounds. */
function cpuPerEvent(): Record<string, { min: number; median: number }> {
  const perRound: Record<string, number[]> = Object.fromEntries(Object.keys(figures).map((k) => [k, []]));
  for (let r = 0; r < rounds + 2; r++) {
    for (const [name, fn] of Object.entries(figures)) {
      const start = process.cpuUsage();
      for (let k = 0; k < MESSAGES_PER_ROUND; k++) fn(k % messages.length);
      const used = process.cpuUsage(start);
      if (r >= 2) perRound[name].push(((used.user + used.system) * 1000) / (MESSAGES_PER_ROUND * perMsg));
    }
  }
  return Object.fromEntries(
    Object.entries(perRound).map(([name, ns]) => {
      ns.sort((a, b) => a - b);
      return [name, { min: ns[0], median: ns[Math.floor(ns.length / 2)] }];
    }),
  );
}

console.log(`${perMsg} telemetry events per message, ${rounds} rounds of ${MESSAGES_PER_ROUND} messages`);
for (const [name, { min, median }] of Object.entries(cpuPerEvent()))
  console.log(
    `${name.padEnd(26)} min ${(min / 1000).toFixed(2)} µs, median ${(median / 1000).toFixed(2)} µs per event`,
  );
