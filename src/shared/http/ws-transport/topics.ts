// uWS pub/sub for one app: topics are exact strings (uWS also has MQTT-style wildcards;
// no route here uses them). A message is encoded once and sent to every subscriber
// through its own send(), so maxBackpressure skips slow subscribers as in uWS.
import type { RecognizedString } from '../uws.js';
import { toBuffer } from './bytes.js';

export interface Subscriber {
  send(message: RecognizedString, isBinary?: boolean): number;
  readonly closed: boolean;
}

export class Topics {
  private readonly byTopic = new Map<string, Set<Subscriber>>();
  private readonly bySocket = new Map<Subscriber, Set<string>>();

  subscribe(s: Subscriber, topic: string): boolean {
    let subs = this.byTopic.get(topic);
    if (!subs) this.byTopic.set(topic, (subs = new Set()));
    if (subs.has(s)) return false;
    subs.add(s);
    let mine = this.bySocket.get(s);
    if (!mine) this.bySocket.set(s, (mine = new Set()));
    mine.add(topic);
    return true;
  }

  unsubscribe(s: Subscriber, topic: string): boolean {
    const subs = this.byTopic.get(topic);
    if (!subs?.delete(s)) return false;
    if (subs.size === 0) this.byTopic.delete(topic);
    this.bySocket.get(s)?.delete(topic);
    return true;
  }

  unsubscribeAll(s: Subscriber): void {
    for (const t of this.bySocket.get(s) ?? []) {
      const subs = this.byTopic.get(t);
      subs?.delete(s);
      if (subs?.size === 0) this.byTopic.delete(t);
    }
    this.bySocket.delete(s);
  }

  isSubscribed(s: Subscriber, topic: string): boolean {
    return this.byTopic.get(topic)?.has(s) ?? false;
  }
  topicsOf(s: Subscriber): string[] {
    return [...(this.bySocket.get(s) ?? [])];
  }
  count(topic: string): number {
    return this.byTopic.get(topic)?.size ?? 0;
  }

  publish(topic: string, message: RecognizedString, isBinary: boolean, except?: Subscriber): boolean {
    const subs = this.byTopic.get(topic);
    if (!subs) return true;
    const bytes = toBuffer(message);
    for (const s of subs) if (s !== except && !s.closed) s.send(bytes, isBinary);
    return true;
  }
}
