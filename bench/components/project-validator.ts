// The edge's own compiled validators (schemas/validators.ts: a Map type -> ajv
// ValidateFunction, compiled once at import), loaded dynamically so the bench still
// runs, on the fallback schema, if that module is missing or changes shape.
export interface ProjectValidator {
  name: string;
  validate: (e: unknown) => boolean;
}

export async function loadProjectValidator(): Promise<ProjectValidator | undefined> {
  const path = '../../schemas/validators.js';
  try {
    const mod = (await import(path)) as { validators?: ReadonlyMap<string, (e: unknown) => boolean> };
    const map = mod.validators;
    if (!map || typeof map.get !== 'function' || !map.get('telemetry')) return undefined;
    return {
      name: "schemas/validators.ts (the edge's compiled ajv validators)",
      validate: (e) => {
        const v = map.get((e as { type?: string })?.type ?? '');
        return v ? v(e) : false;
      },
    };
  } catch {
    return undefined;
  }
}
