// Issue 23: PostgreSQL out of a resource (a full disk above all) is a failure that heals,
// never poison, and /health names the store that is full (docs/operations.md "A full disk").
import t from 'tap';
import { classify, databaseErrorMessage, SqlStates } from '../../src/shared/errors.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

t.test('class 53 and 58030 are transient: retried with backoff, never dead-lettered', async (t) => {
  for (const code of [SqlStates.diskFull, SqlStates.insufficientResources, SqlStates.outOfMemory, SqlStates.ioError])
    t.equal(classify(pgError(code, 'x')), 'transient', code);
});

t.test('databaseErrorMessage names the resource PostgreSQL ran out of', async (t) => {
  t.equal(
    databaseErrorMessage(pgError('53100', 'could not extend file "base/1/2": No space left on device')),
    'PostgreSQL: no space left on device (SQLSTATE 53100): could not extend file "base/1/2": No space left on device',
  );
  t.match(databaseErrorMessage(pgError('58030', 'could not write to file')), /^PostgreSQL: I\/O error/);
  t.match(databaseErrorMessage(pgError('53200', 'out of memory')), /^PostgreSQL: out of memory \(SQLSTATE 53200\)/);
  t.match(
    databaseErrorMessage(pgError('XX000', 'could not write to file "pg_wal/x": No space left on device')),
    /^PostgreSQL: no space left on device: could not write/,
    'ENOSPC reported under another SQLSTATE',
  );
  t.equal(databaseErrorMessage(pgError('23505', 'duplicate key')), 'duplicate key', 'other errors unchanged');
  t.equal(databaseErrorMessage('plain'), 'plain');
});
