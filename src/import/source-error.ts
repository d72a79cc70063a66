// Why the old app's SQLite file cannot be imported as given (missing, unreadable, not
// SQLite, locked, none of the old tables): the command prints the message as one line
// and exits 2 (docs/import.md "Progress, report, exit codes").
import { ErrorCodes, TrackerError } from '../shared/errors.js';

export class SourceError extends TrackerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.badRequest, message, options);
  }
}
