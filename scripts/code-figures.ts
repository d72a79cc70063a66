// Code-health figures for src/ and schemas/ (docs/contributing.md "Code figures"):
// lines over 120 columns, the longest line, and every function over 50 lines.
// Usage: npx tsx scripts/code-figures.ts [--all]   (--all lists every long function)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { commandLineOrExit } from '../src/shared/command-line.js';

const all =
  commandLineOrExit('code-figures', 'usage: npx tsx scripts/code-figures.ts [--all]', process.argv.slice(2), {
    all: { type: 'boolean', help: 'List every function over 50 lines (default: the five longest).' },
  }).values.all === true;

const ROOTS = ['src', 'schemas'];
const LONG_FUNCTION = 50;
const WIDE_LINE = 120;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

interface FunctionSpan {
  readonly where: string;
  readonly name: string;
  readonly lines: number;
}

function functionName(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name) return node.name.getText();
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  return '(anonymous)';
}

function functionsOf(file: string): FunctionSpan[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      spans.push({ where: `${relative('.', file)}:${start + 1}`, name: functionName(node), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}

const files = ROOTS.flatMap(tsFiles);
let wide = 0;
let longest = { where: '', length: 0 };
for (const file of files) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.length > WIDE_LINE) wide++;
      if (line.length > longest.length) longest = { where: `${file}:${i + 1}`, length: line.length };
    });
}
const functions = files.flatMap(functionsOf).sort((a, b) => b.lines - a.lines);
const long = functions.filter((f) => f.lines > LONG_FUNCTION);
console.log(`files: ${files.length}`);
console.log(`lines over ${WIDE_LINE} columns: ${wide}`);
console.log(`longest line: ${longest.length} (${longest.where})`);
console.log(`longest function: ${functions[0].lines} lines (${functions[0].name}, ${functions[0].where})`);
console.log(`functions over ${LONG_FUNCTION} lines: ${long.length}`);
for (const f of all ? long : long.slice(0, 5)) console.log(`  ${f.lines} lines  ${f.name}  ${f.where}`);
