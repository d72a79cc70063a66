// Response schemas of the session and lifetime-total routes (issue 24; docs/api.md
// "Sessions"): GET /sessions, GET /characters/{name}/stats, GET /stats/rares. Same style
// as ./responses.ts: snake_case field names, ISO 8601 UTC timestamps.
import { Type } from '@sinclair/typebox';
import { Nullable } from './telemetry-properties.js';

const Time = (description: string) => Type.String({ format: 'date-time', description });
const Truncated = Type.Boolean({ description: 'True when the result was cut at its row limit.' });
const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const Session = Type.Object(
  {
    character_name: Type.String(),
    session_id: Type.String({
      description: "The client's `session_id`, or `inferred:<time of the first sample>` for telemetry without one.",
    }),
    inferred: Type.Boolean({
      description:
        'True when the telemetry carried no `session_id`: the session is cut by silences (SESSION_GAP_SECONDS).',
    }),
    start: Time('Time of the first sample.'),
    end: Time('Time of the last sample so far.'),
    duration_s: Type.Number({ minimum: 0, description: '`end` minus `start`, in seconds.' }),
    live: Type.Boolean({
      description: "True while the character's newest sample is in this session and younger than SESSION_GAP_SECONDS.",
    }),
    samples: Count('Telemetry samples in the session.'),
    kills_gained: Count(
      'Kills gained: the sum of the counter increases; a drop (client restart) starts a new segment.',
    ),
    deaths_gained: Count('Deaths gained, counted like `kills_gained`.'),
    kph_avg: Nullable(
      Type.Number({
        description:
          'Mean `kills_per_hour` of the samples carrying it; without any, `kills_gained` per hour of `duration_s` (null ' +
          'when that is 0).',
      }),
    ),
    kph_max: Nullable(Type.Number({ description: 'Largest `kills_per_hour`; without any, the same as `kph_avg`.' })),
    rares_found: Count('Rare events of the character between `start` and `end` (inclusive).'),
    distance: Type.Number({
      minimum: 0,
      description: 'Path length in map units: the sum of the straight steps between samples (ew, ns), in time order.',
    }),
  },
  { additionalProperties: false, description: 'One play session of one character.' },
);

export const SessionsResponse = Type.Object(
  { sessions: Type.Array(Session, { description: 'Newest first (by `start`).' }), truncated: Truncated },
  { additionalProperties: false },
);

export const CharacterStatsResponse = Type.Object(
  {
    character_name: Type.String(),
    first_seen: Time('Time of its first stored sample (kept after raw retention).'),
    last_seen: Time('Time of its newest sample.'),
    sessions: Count('Number of sessions.'),
    online_s: Type.Number({ minimum: 0, description: 'Sum of the session durations, in seconds.' }),
    kills_gained: Count('Sum over its sessions.'),
    deaths_gained: Count('Sum over its sessions.'),
    rares_found: Count('All its rare events.'),
    char_tag: Nullable(Type.String({ description: '`char_tag` of its newest sample.' })),
    // best_session: the session with the most kills gained (the newest on a tie).
    best_session: Nullable(Session),
  },
  { additionalProperties: false },
);

export const RareLeader = Type.Object(
  {
    character_name: Type.String(),
    rares: Count('Rare events in [from, to).'),
    newest: Type.Object(
      { name: Type.String({ description: 'Item name.' }), timestamp: Time('When it was found.') },
      { additionalProperties: false, description: 'The newest of them.' },
    ),
  },
  { additionalProperties: false },
);

export const RareLeaderboardResponse = Type.Object(
  {
    characters: Type.Array(RareLeader, { description: 'Most rares first, then by name.' }),
    truncated: Truncated,
  },
  { additionalProperties: false },
);
