// PLACEHOLDER (foundation): the ingest role is built in its own issue.
import type { Runtime, RoleHandle } from '../shared/runtime.js';

export async function startIngest(rt: Runtime): Promise<RoleHandle> {
  rt.log.warn('ingest role not implemented yet');
  return { stop: async () => {} };
}
