// One webhook request: POST JSON with the Idempotency-Key, bounded by its own timeout
// (connect, headers and body together), redirects not followed (a redirect could lead
// past the SSRF guard to any host). Never throws: every outcome is a value.
import { isRetryableStatus, outcomeOfStatus, retryAfterMs, type AttemptOutcome } from './schedule.js';

export interface PostResult {
  readonly outcome: AttemptOutcome;
  /** Whether another attempt may succeed. */
  readonly retryable: boolean;
  readonly status?: number;
  /** Short description for last_error and the log (never the URL). */
  readonly error?: string;
  /** From a 429's Retry-After. */
  readonly retryAfterMs?: number;
}

const SNIPPET_BYTES = 300;

/** The first bytes of an error response, for last_error; the rest is not read. */
async function snippet(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString('utf8', 0, SNIPPET_BYTES).replace(/\s+/g, ' ').trim();
}

function failureOf(err: unknown): PostResult {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return { outcome: 'timeout', retryable: true, error: 'timed out' };
  return { outcome: 'network', retryable: true, error: e.cause?.code ?? e.cause?.message ?? e.message };
}

export async function postWebhook(
  url: string,
  body: unknown,
  idempotencyKey: string,
  timeoutMs: number,
): Promise<PostResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
        'user-agent': 'telemetry-tracker-alerts',
      },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal,
    });
    const outcome = outcomeOfStatus(res.status);
    if (outcome === 'delivered') {
      await res.body?.cancel().catch(() => {});
      return { outcome, retryable: false, status: res.status };
    }
    const text = await snippet(res).catch(() => '');
    return {
      outcome,
      retryable: isRetryableStatus(res.status),
      status: res.status,
      error: `HTTP ${res.status}${text ? `: ${text}` : ''}`,
      retryAfterMs: res.status === 429 ? retryAfterMs(res.headers.get('retry-after')) : undefined,
    };
  } catch (err) {
    return failureOf(err);
  }
}
