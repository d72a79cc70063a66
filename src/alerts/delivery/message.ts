// The request body of one notification, by the webhook's format (webhook-url.ts):
// Discord's {"content"}, Slack's {"text"}, or the generic JSON documented in
// docs/alerts.md "Webhooks". Built from the outbox row joined with its alert.
import type { WebhookFormat } from './webhook-url.js';

export type NotificationState = 'open' | 'resolved';

/** One claimed outbox row with the alert it announces. */
export interface Notification {
  readonly id: string;
  readonly alertId: string;
  readonly state: NotificationState;
  readonly webhookUrl: string;
  /** Attempts including the one about to be made. */
  readonly attempts: number;
  readonly createdAt: Date;
  readonly character: string;
  readonly kind: string;
  readonly startedAt: Date;
  readonly resolvedAt: Date | null;
  readonly detail: Record<string, unknown>;
}

/** The generic body (docs/alerts.md "Webhooks"). */
export interface GenericBody {
  id: string;
  kind: string;
  state: NotificationState;
  character: string;
  started_at: string;
  resolved_at: string | null;
  detail: Record<string, unknown>;
  dashboard_url: string | null;
}

/** Discord refuses content over 2000 characters; Slack truncates long text. */
const TEXT_MAX = 1900;
const DETAIL_MAX = 300;

const WHAT: Record<NotificationState, Record<string, string>> = {
  open: { death: 'died', offline: 'went offline', idle: 'is idle', client: 'client over its limits' },
  resolved: {
    death: 'death alert resolved',
    offline: 'is back online',
    idle: 'is active again',
    client: 'client back under its limits',
  },
};

/** The page with the character selected (web/src/url-state.ts reads `?character=`), or null without a base URL. */
export function dashboardUrl(base: string | undefined, character: string): string | null {
  if (!base) return null;
  const u = new URL(base);
  u.searchParams.set('character', character);
  return u.toString();
}

function detailText(detail: Record<string, unknown>): string {
  const parts = Object.entries(detail).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const text = parts.join(' ');
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text;
}

/** One line: state, character, what happened, since when, detail, link. */
export function notificationText(n: Notification, dashboard: string | null): string {
  const what = WHAT[n.state][n.kind] ?? `${n.kind} ${n.state}`;
  const when =
    n.state === 'open' ? `since ${n.startedAt.toISOString()}` : `at ${(n.resolvedAt ?? n.startedAt).toISOString()}`;
  const detail = detailText(n.detail);
  const line = [
    `[${n.state === 'open' ? 'ALERT' : 'RESOLVED'}] ${n.character} ${what} (${n.kind}, ${when})`,
    detail,
    dashboard,
  ]
    .filter(Boolean)
    .join(' ')
    .replace(/[\r\n]+/g, ' ');
  return line.length > TEXT_MAX ? `${line.slice(0, TEXT_MAX - 1)}…` : line;
}

/**
 * The open notification describes the opening: its resolved_at is null even when the
 * alert has resolved since, so every repeat of one key carries the same body.
 */
export function genericBody(n: Notification, dashboardBase: string | undefined): GenericBody {
  return {
    id: n.alertId,
    kind: n.kind,
    state: n.state,
    character: n.character,
    started_at: n.startedAt.toISOString(),
    resolved_at: n.state === 'resolved' && n.resolvedAt ? n.resolvedAt.toISOString() : null,
    detail: n.detail,
    dashboard_url: dashboardUrl(dashboardBase, n.character),
  };
}

/** Slack's control characters in text (api.slack.com "Formatting text": escape &, <, >). */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The JSON body for `format`. Character names come from game clients: Discord gets no mentions parsed. */
export function requestBody(format: WebhookFormat, n: Notification, dashboardBase: string | undefined): unknown {
  if (format === 'generic') return genericBody(n, dashboardBase);
  const text = notificationText(n, dashboardUrl(dashboardBase, n.character));
  if (format === 'slack') return { text: slackEscape(text) };
  return { content: text, allowed_mentions: { parse: [] } };
}
