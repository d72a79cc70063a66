// The alerts role's vocabulary (docs/alerts.md): what it reads from a telemetry event,
// what it keeps per character (JSON, checkpointed in alert_character_state), and the
// alert changes one evaluation step yields.
import type { AlertKind } from '../shared/alerts.js';

/** The few telemetry fields the kinds look at; times in epoch milliseconds. */
export interface Sample {
  readonly character: string;
  /** The event's own `timestamp`: event time decides `death`, `idle` and `client`. */
  readonly ts: number;
  /** The envelope's `received_at`: the wall clock of arrival decides `offline`. */
  readonly receivedAt: number;
  readonly ew: number;
  readonly ns: number;
  readonly kills?: number;
  readonly deaths?: number;
  readonly memMb?: number;
  readonly memHandles?: number;
  readonly latencyMs?: number;
}

/** An alert the role holds open for a character (muted: raised silently, never stored). */
export interface OpenAlert {
  readonly id: string;
  readonly startedAt: number;
  readonly detail: Record<string, unknown>;
  readonly muted?: true;
}

/** Everything evaluation keeps per character; plain JSON so it checkpoints as it is. */
export interface CharacterState {
  /** Newest event time seen; an older event is late (docs/alerts.md "Time"). */
  lastTs: number;
  /** Newest arrival (received_at) seen. */
  lastReceivedAt: number;
  deaths?: number;
  kills?: number;
  /** Where the character stood, and since when, with no kill since (the idle clock). */
  anchor: { ew: number; ns: number; since: number };
  /** A death burst being gathered: first death's event time and arrival, deaths so far. */
  burst?: { since: number; receivedAt: number; count: number; deaths: number };
  /** Event time the client metrics went over (while not open) or back under (while open). */
  clientSince?: number;
  clientOver?: Record<string, number>;
  open: Partial<Record<AlertKind, OpenAlert>>;
}

/** One alert record as stored: `resolvedAt` null while open. */
export interface AlertRecord {
  readonly id: string;
  readonly character: string;
  readonly kind: AlertKind;
  readonly startedAt: number;
  readonly resolvedAt: number | null;
  readonly detail: Record<string, unknown>;
}

/** `open`: a new alert (a death is born resolved); `resolve`: an open one ends. */
export interface AlertChange {
  readonly op: 'open' | 'resolve';
  readonly alert: AlertRecord;
}
