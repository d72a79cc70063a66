// What a webhook URL is: which body it gets (Discord, Slack or the generic JSON), whether
// it may be called at all (the SSRF guard), and a label safe to log. Rules: docs/alerts.md
// "Webhooks".
import { createHash } from 'node:crypto';

export type WebhookFormat = 'discord' | 'slack' | 'generic';

const DISCORD_HOSTS = new Set(['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com']);
const SLACK_HOSTS = new Set(['hooks.slack.com']);
/** Discord's execute-webhook path, with or without an API version: /api[/v10]/webhooks/<id>/<token>. */
const DISCORD_PATH = /^\/api(\/v\d+)?\/webhooks\/[^/]+\/[^/]+\/?$/;
/** Slack's incoming-webhook path: /services/<team>/<bot>/<token> (older ones have fewer parts). */
const SLACK_PATH = /^\/services\/[^/]+(\/[^/]+)*\/?$/;

/** 127.0.0.0/8, ::1 and localhost: a receiver on this machine (tests, a local relay). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The body a URL gets, decided by its path shape on the service's own hosts, and on
 * loopback too so a test receiver can stand in for Discord or Slack. Anything else is
 * generic, whatever its path.
 */
export function webhookFormat(url: string): WebhookFormat {
  const u = new URL(url);
  const host = u.hostname.toLowerCase();
  const loopback = isLoopbackHost(host);
  if ((DISCORD_HOSTS.has(host) || loopback) && DISCORD_PATH.test(u.pathname)) return 'discord';
  if ((SLACK_HOSTS.has(host) || loopback) && SLACK_PATH.test(u.pathname)) return 'slack';
  return 'generic';
}

/**
 * Why `url` may not be called, or undefined when it may: it must parse, be https, or
 * http on loopback or when `allowHttp` is set; no credentials in it. The message shows
 * only scheme and host: the path of a webhook URL is its secret.
 */
export function webhookUrlProblem(url: string, allowHttp: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL';
  }
  const shown = `${u.protocol}//${u.host}`;
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `(${shown}) must be https`;
  if (u.protocol === 'http:' && !allowHttp && !isLoopbackHost(u.hostname))
    return `(${shown}) must be https unless its host is loopback (127.0.0.0/8, ::1, localhost) or ALERT_WEBHOOK_ALLOW_HTTP=true`;
  if (u.username || u.password) return `(${shown}) must not carry credentials before the host`;
  return undefined;
}

/** Host plus a short hash of the whole URL: tells webhooks apart in logs and metrics without their token. */
export function webhookLabel(url: string): string {
  let host = 'invalid';
  try {
    host = new URL(url).host;
  } catch {
    /* labelled by hash only */
  }
  return `${host}#${createHash('sha256').update(url).digest('hex').slice(0, 8)}`;
}
