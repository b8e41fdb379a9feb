/**
 * The prose points at things that exist: in README.md, CONTRIBUTING.md, CHANGELOG.md and docs/*.md,
 * every relative markdown link resolves to a file or folder of the repository, every `#anchor` to a
 * heading of the page it names (GitHub's slugs), and every backticked repo path (`src/webhooks/verify.ts`,
 * `test/fixtures/histories`) exists. Pure file reading: no server, no network.
 *
 * A backticked word counts as a path only when it clearly is one: no spaces, and it starts with a
 * top-level folder of the repository (or one the layout plans) or is a root file. Fenced code blocks
 * are left alone: their commands name the reader's files (`histories/*.json`), not ours.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Folders a backticked path may start with: today's tree and the planned ones (a reference to a planned folder must exist too). */
const TOP_FOLDERS = [
  '.ci',
  'activities',
  'assets',
  'bench',
  'deploy',
  'docs',
  'examples',
  'schema',
  'simulator',
  'src',
  'test',
  'tools',
  'workflows',
];
const ROOT_FILES = [
  '.dockerignore',
  '.env.example',
  '.gitignore',
  '.prettierignore',
  '.prettierrc.json',
  'BENCHMARKS.md',
  'CHANGELOG.md',
  'CONTRIBUTING.md',
  'Dockerfile',
  'README.md',
  'RELIABILITY.md',
  'docker-compose.yml',
  'eslint.config.mjs',
  'jest.config.js',
  'package-lock.json',
  'package.json',
  'tsconfig.build.json',
  'tsconfig.json',
];

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  return ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', ...docs];
}

/** The text with fenced code blocks blanked out (newlines kept, so offsets still give line numbers). */
function withoutFences(text: string): string {
  return text.replace(/^ {0,3}(```|~~~)[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '));
}

/** Inline code spans blanked out as well, so links are found only in prose. */
function withoutCode(prose: string): string {
  return prose.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** GitHub's heading anchors: the rendered text, lowercased, punctuation dropped except '-' and '_', spaces → '-', repeats get -1, -2. */
function anchorsIn(markdown: string): string[] {
  const seen = new Map<string, number>();
  const anchors: string[] = [];
  for (const [, heading] of withoutFences(markdown).matchAll(/^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/gm)) {
    const text = heading!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
      .replace(/<[^>]+>/g, ''); // inline HTML tags
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.push(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  if (!anchorCache.has(file)) anchorCache.set(file, new Set(anchorsIn(readFileSync(file, 'utf8'))));
  return anchorCache.get(file)!;
}

interface Reference {
  file: string;
  line: number;
  target: string;
}

/** Relative links and images, inline (`[text](target "title")`) and reference-style (`[id]: target`). */
function links(file: string): Reference[] {
  if (!existsSync(join(ROOT, file))) return []; // reported by its own test
  const text = readFileSync(join(ROOT, file), 'utf8');
  const prose = withoutCode(withoutFences(text));
  const found: Reference[] = [];
  for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
    found.push({ file, line: lineOf(text, match.index), target: match[1]! });
  }
  for (const match of prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) {
    found.push({ file, line: lineOf(text, match.index), target: match[1]! });
  }
  return found.filter(({ target }) => !/^[a-z][a-z0-9+.-]*:/i.test(target)); // http:, https:, mailto: …
}

/** Backticked words that are clearly repo paths (repo-root relative). */
function codePaths(file: string): Reference[] {
  if (!existsSync(join(ROOT, file))) return []; // reported by its own test
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Reference[] = [];
  for (const match of withoutFences(text).matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)) {
    const word = match[2]!.trim().replace(/^\.\//, '');
    if (/\s/.test(word) || /[<>{}$…]/.test(word)) continue;
    const top = word.split('/')[0]!;
    const isPath = (TOP_FOLDERS.includes(top) && word.includes('/')) || ROOT_FILES.includes(word);
    if (isPath) found.push({ file, line: lineOf(text, match.index), target: word.replace(/:\d+(?::\d+)?$/, '') });
  }
  return found;
}

/** A repo path, or one with a glob segment (`deploy/temporal/*.sh`): its folder exists and something in it matches. */
function exists(path: string): boolean {
  const segments = path.split('/').filter(Boolean);
  const glob = segments.findIndex((segment) => segment.includes('*'));
  if (glob === -1) return existsSync(join(ROOT, path));
  const folder = join(ROOT, ...segments.slice(0, glob));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return false;
  const pattern = new RegExp(`^${segments[glob]!.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const rest = segments.slice(glob + 1);
  return readdirSync(folder)
    .filter((name) => pattern.test(name))
    .some((name) => rest.length === 0 || exists([...segments.slice(0, glob), name, ...rest].join('/')));
}

const where = ({ file, line, target }: Reference) => `${file}:${line} ${target}`;
const files = markdownFiles();

test('the scan finds the pages, their links and their paths', () => {
  expect(files.filter((file) => existsSync(join(ROOT, file))).length).toBeGreaterThan(5);
  expect(files.flatMap(links).length).toBeGreaterThan(20);
  expect(files.flatMap(codePaths).length).toBeGreaterThan(20);
});

test.each(files)('%s exists', (file) => {
  expect(existsSync(join(ROOT, file))).toBe(true);
});

test.each(files)('%s: every relative link resolves, anchors included', (file) => {
  const broken: string[] = [];
  for (const reference of links(file)) {
    const [path = '', anchor] = reference.target.split('#');
    const decoded = decodeURIComponent(path);
    const target =
      decoded === '' ? join(ROOT, file) : decoded.startsWith('/') ? join(ROOT, decoded) : resolve(ROOT, dirname(file), decoded);
    if (relative(ROOT, target).startsWith('..')) broken.push(`${where(reference)} (outside the repository)`);
    else if (!existsSync(target)) broken.push(`${where(reference)} (no such file or folder)`);
    else if (anchor !== undefined) {
      if (!target.endsWith('.md')) broken.push(`${where(reference)} (an anchor into a file that is not markdown)`);
      else if (!anchorsOf(target).has(decodeURIComponent(anchor)))
        broken.push(`${where(reference)} (no such heading in ${relative(ROOT, target)})`);
    }
  }
  expect(broken).toEqual([]);
});

test.each(files)('%s: every backticked repo path exists', (file) => {
  const missing = codePaths(file)
    .filter(({ target }) => !exists(target))
    .map(where);
  expect(missing).toEqual([]);
});

describe('the slug rules', () => {
  test('as GitHub makes them', () => {
    const slug = (heading: string) => anchorsIn(`# ${heading}\n`)[0];
    expect(slug('The CLI (`rivya-sora2`)')).toBe('the-cli-rivya-sora2');
    expect(slug('Proof: tests, chaos, benchmarks')).toBe('proof-tests-chaos-benchmarks');
    expect(slug('Steering a running generation (operator Updates)')).toBe('steering-a-running-generation-operator-updates');
    expect(slug('The production shape on one machine: `npm run cluster`')).toBe('the-production-shape-on-one-machine-npm-run-cluster');
    expect(slug('RIVYA_WEBHOOKS — on [by default](x.md)')).toBe('rivya_webhooks--on-by-default');
  });

  test('repeated headings get -1, -2', () => {
    expect(anchorsIn('# Notes\n## Notes\n### Notes\n```\n# not a heading\n```\n')).toEqual(['notes', 'notes-1', 'notes-2']);
  });
});
