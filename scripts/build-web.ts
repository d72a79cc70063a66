// Bundles the web page (web/) into dist/web: one hashed JS and one hashed CSS file
// under assets/, and index.html pointing at them. Run by `npm run build`; the browser
// tests call buildWeb() into a temp folder. Prints the gzipped size (README: Web page).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../src/shared/project-root.js';
import { commandLineOrExit } from '../src/shared/command-line.js';

export interface WebBuild {
  outDir: string;
  files: { name: string; bytes: number; gzipBytes: number }[];
}

export async function buildWeb(outDir = join(projectRoot(), 'dist', 'web')): Promise<WebBuild> {
  const root = projectRoot();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['web/src/main.ts'],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'],
    outdir: join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js || !css) throw new Error(`web build produced ${outputs.join(', ')}: expected one .js and one .css`);
  const html = readFileSync(join(root, 'web', 'index.html'), 'utf8').replace(
    '<!-- assets -->',
    `<link rel="stylesheet" href="/assets/${css}">\n  <script type="module" src="/assets/${js}"></script>`,
  );
  writeFileSync(join(outDir, 'index.html'), html);
  const files = ['index.html', `assets/${js}`, `assets/${css}`].map((name) => {
    const body = readFileSync(join(outDir, name));
    return { name, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  });
  return { outDir, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { positionals } = commandLineOrExit(
    'build-web',
    'usage: node dist/scripts/build-web.js [OUT_DIR]   (default dist/web)',
    process.argv.slice(2),
    {},
    { positionals: 1 },
  );
  const out = await buildWeb(positionals[0]);
  const total = out.files.reduce((s, f) => s + f.gzipBytes, 0);
  for (const f of out.files)
    console.log(
      `  ${f.name.padEnd(40)} ${(f.bytes / 1024).toFixed(1)} KiB, ${(f.gzipBytes / 1024).toFixed(1)} KiB gzipped`,
    );
  console.log(`web page: ${(total / 1024).toFixed(1)} KiB gzipped in total -> ${out.outDir}`);
}
