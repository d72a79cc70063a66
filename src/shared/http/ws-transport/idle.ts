// uWS's idle timeout, reproduced: with automatic pings the server pings a socket that
// sent nothing for `idleTimeout - margin` seconds and drops it (close handler 1006,
// client sees 1006) if still nothing arrives within `margin`; the margin is 4, 8 or
// 16 s depending on idleTimeout, as uWS computes it (the largest power of two from 4
// to 16 with 4 x margin <= idleTimeout). Without pings the socket is dropped after
// `idleTimeout`. Any received byte counts. Measured on both: docs/transports.md.
// One sweep per app checks every socket once a second (uWS's own granularity is 4 s).
export const SWEEP_INTERVAL_MS = 1000;

export interface IdleState {
  readonly firstMs: number; // 0 = no idle timeout
  readonly marginMs: number;
  readonly pings: boolean;
  lastDataAt: number;
  pingedAt: number; // 0 = no ping outstanding
  sawData(): void;
}

export function idlePlan(idleTimeoutSeconds: number, sendPings: boolean): IdleState {
  let margin = 4;
  while (idleTimeoutSeconds - margin * 2 >= margin * 2 && margin < 16) margin <<= 1;
  const state: IdleState = {
    firstMs: idleTimeoutSeconds > 0 ? (idleTimeoutSeconds - (sendPings ? margin : 0)) * 1000 : 0,
    marginMs: margin * 1000,
    pings: sendPings,
    lastDataAt: Date.now(),
    pingedAt: 0,
    sawData() {
      state.lastDataAt = Date.now();
      state.pingedAt = 0;
    },
  };
  return state;
}

export interface IdleSocket {
  readonly idle: IdleState;
  sendIdlePing(): void;
  drop(code: number, reason: string): void;
}

/** Checks `sockets` every SWEEP_INTERVAL_MS while there are any; never keeps the process alive. */
export class IdleSweeper<S extends IdleSocket> {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly sockets: Set<S>,
    private readonly reason: string,
  ) {}

  /** Call after adding a socket. */
  ensureRunning(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  private sweep(): void {
    if (this.sockets.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    for (const s of this.sockets) {
      const st = s.idle;
      if (st.firstMs === 0) continue;
      if (st.pingedAt > 0) {
        if (now - st.pingedAt >= st.marginMs) s.drop(1006, this.reason);
      } else if (now - st.lastDataAt >= st.firstMs) {
        if (st.pings) {
          st.pingedAt = now;
          s.sendIdlePing();
        } else s.drop(1006, this.reason);
      }
    }
  }
}
