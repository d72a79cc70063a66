// Test and benchmark seams of the ingest role. No operator sets them and no environment
// variable reaches them: the test entry (test/helpers/seamed-main.ts) and the apply-mode
// measurement (test/ingest/measure/apply-modes.ts) pass them to startApp (src/app.ts).
// The crash tests kill a real consumer at the two moments that matter for exactly-once
// (docs/ingest.md "Exactly-once effect"): after a COMMIT and before its acks
// (`afterCommit`), and halfway through a COPY (`midCopy`).
import type { ApplyMode } from './apply.js';

export interface IngestSeamOptions {
  /** Replaces the configured apply mode: `insert` and `copy-plain` exist only to measure the choice. */
  readonly applyMode?: ApplyMode;
  /** Called after a batch COMMITted and before any of its acks. */
  readonly afterCommit?: () => void;
  /** Called once half of a COPY's data has been sent. */
  readonly midCopy?: () => void;
}
