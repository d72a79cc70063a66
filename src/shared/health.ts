// Health checks registered by each role and served at GET /health.
export interface CheckResult {
  ok: boolean;
  detail?: Record<string, unknown>;
  reason?: string;
  /** Healthy now, but something needs the operator soon (the `capacity` check). */
  warning?: string;
}
export type Check = () => Promise<CheckResult>;

export class Health {
  private readonly checks = new Map<string, Check>();

  register(name: string, check: Check): void {
    this.checks.set(name, check);
  }

  /** Runs every check (each bounded by timeoutMs); ok only when all are. */
  async run(timeoutMs = 2000): Promise<{ ok: boolean; checks: Record<string, CheckResult> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<CheckResult>((r) => {
          timer = setTimeout(() => r({ ok: false, reason: `timed out after ${timeoutMs} ms` }), timeoutMs);
        });
        const res = await Promise.race([check().catch((err: Error) => ({ ok: false, reason: err.message })), timeout]);
        clearTimeout(timer);
        return [name, res] as const;
      }),
    );
    const checks = Object.fromEntries(entries);
    return { ok: entries.every(([, r]) => r.ok), checks };
  }
}
