// The read API calls the page makes (docs/api.md). Every call fails loudly: a non-2xx
// answer throws with the API's error message.
import { authHeaders } from './read-token.js';
import type {
  AlertsResponse,
  CharacterStatsResponse,
  CharactersResponse,
  HeatmapResponse,
  HistoryResponse,
  LiveResponse,
  RaresResponse,
  SessionsResponse,
  SpawnsResponse,
  TrailsResponse,
} from './types.js';

async function getJson<T>(path: string, params: Record<string, string | number | undefined>): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v));
  const query = String(qs);
  const res = await fetch(query ? `${path}?${query}` : path, {
    headers: { accept: 'application/json', ...authHeaders() },
  });
  const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  if (res.status === 401)
    throw new Error(`${path}: this server needs a read token: open the page as /#token=<API_TOKEN>`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${body?.error?.message ?? ''}`.trim());
  return body as T;
}

const iso = (ms: number) => new Date(ms).toISOString();

export const api = {
  live: (seconds: number) => getJson<LiveResponse>('/live', { seconds }),
  trails: (seconds: number) => getJson<TrailsResponse>('/trails', { seconds }),
  spawns: (fromMs: number, limit: number) => getJson<SpawnsResponse>('/spawns', { from: iso(fromMs), limit }),
  rares: (fromMs: number, limit: number) => getJson<RaresResponse>('/rares', { from: iso(fromMs), limit }),
  characters: (q: string, limit: number) => getJson<CharactersResponse>('/characters', { q, limit }),
  history: (character: string, fromMs: number, toMs: number) =>
    getJson<HistoryResponse>('/history', { character, from: iso(fromMs), to: iso(toMs) }),
  alerts: (q: { state: 'open' | 'resolved'; from?: number; limit: number }) =>
    getJson<AlertsResponse>('/alerts', {
      state: q.state,
      from: q.from === undefined ? undefined : iso(q.from),
      limit: q.limit,
    }),
  sessions: (character: string, fromMs: number, toMs: number, limit: number) =>
    getJson<SessionsResponse>('/sessions', { character, from: iso(fromMs), to: iso(toMs), limit }),
  characterStats: (name: string) =>
    getJson<CharacterStatsResponse>(`/characters/${encodeURIComponent(name)}/stats`, {}),
  heatmap: (kind: 'spawns' | 'rares', fromMs: number, toMs: number, cell: number) =>
    getJson<HeatmapResponse>(`/${kind}/heatmap`, { from: iso(fromMs), to: iso(toMs), cell }),
};
