// Environment variables of the read API role.
import { int, type VarSpecs } from '../shared/env-vars.js';

export const apiVars = {
  API_MAX_ROWS: int('Most rows any list endpoint returns.', 10000, 1, 1000000),
  API_STATEMENT_TIMEOUT_MS: int('PostgreSQL statement_timeout for API queries.', 5000, 100, 600000),
} satisfies VarSpecs;
