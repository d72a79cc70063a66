// The alert vocabulary the alerts role (src/alerts) writes and the API and the edge pass
// on (docs/alerts.md; the JSON schema is `Alert` in src/api/schemas/alerts.ts).
export const ALL_ALERT_KINDS = ['death', 'offline', 'idle', 'client'] as const;
export type AlertKind = (typeof ALL_ALERT_KINDS)[number];

/** One alert as GET /alerts lists it; the live message adds `"type":"alert"`. */
export interface AlertJson {
  readonly id: string;
  readonly character_name: string;
  readonly kind: AlertKind;
  readonly state: 'open' | 'resolved';
  readonly started_at: string;
  readonly resolved_at: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}
