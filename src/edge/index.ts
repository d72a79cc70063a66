// PLACEHOLDER (foundation): the edge role is built in its own issue.
import type { Runtime, RoleHandle } from '../shared/runtime.js';

export async function startEdge(rt: Runtime): Promise<RoleHandle> {
  rt.log.warn('edge role not implemented yet');
  return { stop: async () => {} };
}
