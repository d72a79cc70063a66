// Reads counters from a process's Prometheus /metrics (text format), summed over labels.
export async function scrapeCounters(port: number, gauges = false): Promise<Record<string, number>> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (!r.ok) return {};
    return parseCounters(await r.text(), gauges);
  } catch {
    return {};
  }
}

/** Counters (`*_total`) and, with gauges = true, every other plain sample too. */
export function parseCounters(text: string, gauges = false): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || (!gauges && !m[1].endsWith('_total'))) continue;
    const v = Number(m[3]);
    if (Number.isFinite(v)) out[m[1]] = (out[m[1]] ?? 0) + v;
  }
  return out;
}

/** Events the edge accepted, from whichever counter it exposes (named by the edge issue). */
export function acceptedFromCounters(c: Record<string, number>): { name: string; value: number } | undefined {
  const names = Object.keys(c).filter(
    (n) => /event/.test(n) && /(accepted|published|valid)/.test(n) && !/(reject|invalid|error|fail)/.test(n),
  );
  const pick = names.find((n) => /accepted/.test(n)) ?? names[0];
  return pick ? { name: pick, value: c[pick] } : undefined;
}

/**
 * Events the edge has stored in JetStream so far: accepted minus those still waiting
 * for their PubAck (gauge `tracker_edge_inflight_events`). Undefined for servers
 * without that gauge (the naive baseline).
 */
export function storedFromMetrics(m: Record<string, number>): number | undefined {
  const accepted = acceptedFromCounters(m)?.value;
  const inflight = m.tracker_edge_inflight_events;
  return accepted === undefined || inflight === undefined ? undefined : accepted - inflight;
}
