/**
 * Every contract id a comment cites (`// S2: …`, `(D3, D4)`, `docs/rivya-contract.md S11`, ranges
 * like `S1–S8`) must be a heading of docs/rivya-contract.md. Pure file reading: no server, no network.
 * Comments are found with the TypeScript parser, so ids inside strings and code are not counted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const SOURCE_DIRS = ['src', 'activities', 'workflows', 'bench', 'test'];
const CONTRACT = join(ROOT, 'docs', 'rivya-contract.md');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'fixtures', 'results']);

/** `D4`, `S11`, and ranges `S1–S8` / `S1-S8` (expanded). Uppercase letter, word boundaries. */
const ID = /\b([DS])(\d{1,2})(?:\s*[–-]\s*\1(\d{1,2}))?\b/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : tsFiles(path);
    return entry.name.endsWith('.ts') && path !== __filename ? [path] : [];
  });
}

function comments(path: string, text: string): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false);
  const ranges = new Map<number, ts.CommentRange>();
  const collect = (node: ts.Node) => {
    for (const range of [...(ts.getLeadingCommentRanges(text, node.pos) ?? []), ...(ts.getTrailingCommentRanges(text, node.end) ?? [])]) {
      ranges.set(range.pos, range);
    }
    node.getChildren(source).forEach(collect);
  };
  collect(source);
  return [...ranges.values()].map((range) => text.slice(range.pos, range.end));
}

function citedIds(comment: string): string[] {
  return [...comment.matchAll(ID)].flatMap(([, letter, from, to]) => {
    const first = Number(from);
    const last = to === undefined ? first : Number(to);
    return Array.from({ length: Math.max(last - first + 1, 1) }, (_, i) => `${letter}${first + i}`);
  });
}

const contractIds = new Set([...readFileSync(CONTRACT, 'utf8').matchAll(/^#{2,4}\s+([DS]\d+)\b/gm)].map(([, id]) => id));

const citations = new Map<string, string[]>();
for (const file of SOURCE_DIRS.flatMap((dir) => tsFiles(join(ROOT, dir)))) {
  for (const id of comments(file, readFileSync(file, 'utf8')).flatMap(citedIds)) {
    citations.set(id, [...(citations.get(id) ?? []), relative(ROOT, file)]);
  }
}

test('the code cites the contract (the scan finds something)', () => {
  expect(citations.size).toBeGreaterThan(5);
});

test('every contract id cited in a comment has a heading in docs/rivya-contract.md', () => {
  const missing = [...citations].filter(([id]) => !contractIds.has(id)).map(([id, files]) => `${id} (${[...new Set(files)].join(', ')})`);
  expect(missing).toEqual([]);
});

test('no comment still points at the old out-of-repo contract file', () => {
  // Files owned elsewhere are being migrated; this list only ever shrinks.
  const PENDING = new Set<string>();
  const stale = SOURCE_DIRS.flatMap((dir) => tsFiles(join(ROOT, dir)))
    .filter((file) => comments(file, readFileSync(file, 'utf8')).some((c) => /rivya-api-v1\.md|\.\.\/shared\//.test(c)))
    .map((file) => relative(ROOT, file))
    .filter((file) => !PENDING.has(file));
  expect(stale).toEqual([]);
});
