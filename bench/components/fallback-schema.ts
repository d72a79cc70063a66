// Used only until schemas/ exports compiled validators: a TypeBox schema equivalent to
// docs/protocol.md's v1 telemetry and spawn events, compiled the way the edge must (ajv strict,
// allErrors off, ajv-formats date-time; extra fields allowed).
import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its default import may be the module object.
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ?? addFormatsImport) as unknown as (
  ajv: Ajv,
) => Ajv;

const Common = {
  character_name: Type.String({ minLength: 1, maxLength: 64 }),
  timestamp: Type.String({ format: 'date-time' }),
  event_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
};
const NonNegInt = Type.Integer({ minimum: 0 });
const NonNeg = Type.Number({ minimum: 0 });

export const Telemetry = Type.Object(
  {
    type: Type.Literal('telemetry'),
    ...Common,
    ew: Type.Number(),
    ns: Type.Number(),
    z: Type.Number(),
    char_tag: Type.Optional(Type.String({ maxLength: 32 })),
    session_id: Type.Optional(Type.String({ maxLength: 64 })),
    kills: Type.Optional(NonNegInt),
    deaths: Type.Optional(NonNegInt),
    rares_found: Type.Optional(NonNegInt),
    prismatic_taper_count: Type.Optional(NonNegInt),
    kills_per_hour: Type.Optional(
      Type.Union([NonNeg, Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', maxLength: 32 })]),
    ),
    onlinetime: Type.Optional(Type.String({ maxLength: 32 })),
    vt_state: Type.Optional(Type.String({ maxLength: 32 })),
    latency_ms: Type.Optional(NonNeg),
    mem_mb: Type.Optional(NonNeg),
    cpu_pct: Type.Optional(NonNeg),
    mem_handles: Type.Optional(NonNegInt),
  },
  { additionalProperties: true },
);

export const Spawn = Type.Object(
  {
    type: Type.Literal('spawn'),
    ...Common,
    mob: Type.String({ minLength: 1, maxLength: 128 }),
    ew: Type.Number(),
    ns: Type.Number(),
    z: Type.Optional(Type.Number()),
  },
  { additionalProperties: true },
);

/** One validate(event) for both types, dispatching on `type` like an edge would. */
export function compileFallback(): (e: unknown) => boolean {
  const ajv = addFormats(new Ajv({ strict: true, allErrors: false }));
  const t = ajv.compile(Telemetry);
  const s = ajv.compile(Spawn);
  return (e) => {
    const type = (e as { type?: unknown })?.type;
    return type === 'telemetry' ? t(e) : type === 'spawn' ? s(e) : false;
  };
}
