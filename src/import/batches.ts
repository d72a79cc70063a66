// A chunk of rows -> JetStream messages exactly as the edge builds them: every event
// goes through the edge's checkEvent (same compiled validators, canonical JSON, subject
// and event key), messages carry one type and one character in the edge's envelope
// (envelopeFromJson) with the edge's Nats-Msg-Id (messageId of the event keys).
//
// Batch boundaries depend only on the file's rows: a chunk is the next `chunkRows` rows
// by rowid, and within it a character's events are cut every `eventsPerMessage` events
// (or at the byte limit). So a resumed or repeated import rebuilds the very same
// messages with the very same Nats-Msg-Ids, and JetStream drops those it already holds
// within its duplicate window.
import { checkEvent, isErrorReply, type AcceptedEvent, type FrameOptions } from '../edge/frame.js';
import { envelopeFromJson } from '../edge/envelope-json.js';
import { SizeBudget } from '../edge/size-budget.js';
import { messageId } from '../shared/envelope.js';
import type { StoredType } from '../shared/subjects.js';

// A Uint8Array: a worker thread hands it over as one (structured clone).
export interface OutMessage {
  subject: string;
  msgId: string;
  payload: Uint8Array;
  events: number;
}

interface Lane {
  subject: string;
  ids: string[];
  jsons: string[];
  eventBytes: number;
}

/** Plain data (it crosses to worker threads by structured clone). */
export interface BatchLimits extends Omit<FrameOptions, 'budget'> {
  eventsPerMessage: number;
  /** The server's max_payload: payload plus headers, counted exactly (src/edge/size-budget.ts). */
  maxMessageBytes: number;
}

/** Collects a chunk's accepted events, then cuts them into messages (`seal`). */
export class ChunkBatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly out: OutMessage[] = [];
  /** Event keys of this chunk: an exact duplicate row inside one chunk is sent once. */
  private readonly keys = new Set<string>();
  private readonly budget: SizeBudget;
  private readonly frameLimits: FrameOptions;

  constructor(
    private readonly type: StoredType,
    private readonly limits: BatchLimits,
    private readonly receivedAt: string,
  ) {
    this.budget = new SizeBudget(limits.maxMessageBytes);
    this.frameLimits = { ...limits, budget: this.budget };
  }

  /** Validates like the edge; returns the accepted event, 'duplicate', or the validator's message. */
  add(event: Record<string, unknown>): AcceptedEvent | 'duplicate' | string {
    const r = checkEvent(event, undefined, 0, false, this.frameLimits);
    if (isErrorReply(r)) return r.message;
    if (this.keys.has(r.key)) return 'duplicate';
    this.keys.add(r.key);
    let lane = this.lanes.get(r.subject);
    if (!lane) this.lanes.set(r.subject, (lane = { subject: r.subject, ids: [], jsons: [], eventBytes: 0 }));
    if (lane.ids.length > 0 && !this.budget.fits(this.type, lane.ids.length + 1, lane.eventBytes + r.bytes))
      this.cut(lane);
    lane.ids.push(r.key);
    lane.jsons.push(r.json);
    lane.eventBytes += r.bytes;
    if (lane.ids.length >= this.limits.eventsPerMessage) this.cut(lane);
    return r;
  }

  /** The chunk's messages, per character in row order. */
  seal(): OutMessage[] {
    for (const lane of this.lanes.values()) if (lane.ids.length) this.cut(lane);
    this.lanes.clear();
    return this.out.splice(0);
  }

  private cut(lane: Lane): void {
    this.out.push({
      subject: lane.subject,
      msgId: messageId(lane.ids),
      payload: envelopeFromJson(this.type, this.receivedAt, lane.ids, lane.jsons),
      events: lane.ids.length,
    });
    lane.ids = [];
    lane.jsons = [];
    lane.eventBytes = 0;
  }
}
