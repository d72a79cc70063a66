// PLACEHOLDER (foundation): the api role is built in its own issue.
import type { Runtime, RoleHandle } from '../shared/runtime.js';

export async function startApi(rt: Runtime): Promise<RoleHandle> {
  rt.log.warn('api role not implemented yet');
  return { stop: async () => {} };
}
