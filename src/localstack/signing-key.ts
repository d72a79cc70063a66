// The private stack's TRACKER_SIGNING_KEY when none is set: made once and kept in
// DATA_DIR, so every process started on this stack (an edge and an ingest started
// apart, or a restart) signs and verifies with the same key (docs/security.md
// "Signed messages"). Readable by its owner only, like PostgreSQL's data directory.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const KEY_FILE = 'signing-key';
const MIN_KEY_CHARS = 32;

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** The kept key, or undefined when there is no file yet. */
async function readKey(file: string): Promise<string | undefined> {
  let key: string;
  try {
    key = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
  if (key.length < MIN_KEY_CHARS)
    throw new Error(
      `${file} holds no signing key of at least ${MIN_KEY_CHARS} characters: delete it (a new one is made) or set ` +
        'TRACKER_SIGNING_KEY',
    );
  return key;
}

/** The key in `<dataDir>/signing-key`, created (256 random bits, hex) when missing. */
export async function stackSigningKey(dataDir: string): Promise<string> {
  const file = join(dataDir, KEY_FILE);
  const kept = await readKey(file);
  if (kept) return kept;
  const key = randomBytes(32).toString('hex');
  await mkdir(dataDir, { recursive: true });
  try {
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    // Another process of the stack made it first: use theirs.
    if (code(err) === 'EEXIST') return (await readKey(file)) ?? key;
    throw err;
  }
}
