// Every error class in src/ extends TrackerError (src/shared/errors.ts), directly or
// through another one, or is a named subclass of a library's error class: a caller can
// then tell ours apart with one instanceof and read a stable code (docs/contributing.md
// "Layout"). Read from the source, so classes a module keeps to itself count too.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { SRC, tsFiles } from '../helpers/source-files.js';

interface ErrorClass {
  name: string;
  parent: string;
  file: string;
  /** The parent is imported from a package, not from this repository. */
  parentFromLibrary: boolean;
}

function errorClasses(): ErrorClass[] {
  return tsFiles(SRC).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const fromPackage = new Set(
      [...text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'([^.][^']*)'/g)].flatMap((m) =>
        m[1].split(',').map((s) => s.trim().replace(/^type\s+/, '')),
      ),
    );
    return [...text.matchAll(/class (\w+)(?:<[^>]*>)? extends (\w+)/g)].map((m) => ({
      name: m[1],
      parent: m[2],
      file: relative(SRC, file),
      parentFromLibrary: fromPackage.has(m[2]),
    }));
  });
}

t.test('every error class extends TrackerError or a library error class', async (t) => {
  const classes = errorClasses();
  const byName = new Map(classes.map((c) => [c.name, c]));
  const errors = classes.filter((c) => /Error$/.test(c.name) || /Error$/.test(c.parent));
  t.ok(errors.length >= 8, `found ${errors.length} error classes`);
  for (const c of errors) {
    if (c.name === 'TrackerError') continue;
    let at: ErrorClass | undefined = c;
    const chain = [c.name];
    while (at && at.parent !== 'TrackerError' && !at.parentFromLibrary) {
      chain.push(at.parent);
      at = byName.get(at.parent);
    }
    t.ok(at, `${c.file}: ${chain.join(' → ')} reaches TrackerError or a library's error class`);
  }
});

t.test('only TrackerError extends Error itself', async (t) => {
  const direct = errorClasses().filter((c) => c.parent === 'Error');
  t.same(
    direct.map((c) => `${c.file}: ${c.name}`),
    ['shared/errors.ts: TrackerError'],
  );
});
