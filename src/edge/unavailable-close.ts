// When /ws/position closes a socket refused with `unavailable` (docs/protocol.md "Rate
// limits"): uWS cannot pause reading a socket (docs/dependencies.md "uWebSockets.js"),
// so a client that keeps pushing while the edge cannot take events is closed with 1013.
// Measured in time, not in frames in a row: the frames in flight when the first refusal
// left (its first second) are not counted, and a client that backs off to one frame a
// second or slower is never closed, however long the outage.

/** Frames arriving this soon after the first refusal were sent before the client could read it. */
const IN_FLIGHT_MS = 1000;

export class UnavailableCloseRule {
  private since: number | undefined;
  private counted = 0;

  constructor(private readonly closeAfterSeconds: number) {}

  /** A frame was admitted: the refusals in a row are over. */
  admitted(): void {
    this.since = undefined;
  }

  /** A frame was refused with `unavailable`: true when the socket should now be closed with 1013. */
  refused(now = Date.now()): boolean {
    if (this.since === undefined) {
      this.since = now;
      this.counted = 0;
      return false;
    }
    const elapsed = now - this.since;
    if (elapsed < IN_FLIGHT_MS) return false;
    this.counted++;
    // More than one counted frame per second since the in-flight window closed (one try
    // at its end, then one a second, is within the allowance).
    const allowed = 1 + (elapsed - IN_FLIGHT_MS) / 1000;
    return elapsed >= this.closeAfterSeconds * 1000 && this.counted > allowed;
  }
}
