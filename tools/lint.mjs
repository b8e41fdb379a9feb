// `npm run lint`: eslint and prettier --check side by side (each is single-threaded; together they
// take the time of the slower one), each output printed whole when it ends, failing if either
// fails. prettier caches per file under node_modules/.cache (a file's format depends on it alone);
// eslint does not: its type-aware rules read other files, so a cache could keep a stale verdict.
// Plain JavaScript: it runs before anything is built.
import { spawn } from 'node:child_process';

const checks = [
  ['eslint', 'node_modules/eslint/bin/eslint.js', ['.']],
  [
    'prettier',
    'node_modules/prettier/bin/prettier.cjs',
    ['--check', '.', '--cache', '--cache-location', 'node_modules/.cache/prettier/cache.json'],
  ],
];

function run([tool, script, args]) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      process.stdout.write(`== ${tool}: ${code === 0 ? 'ok' : `failed (${code})`}\n${output}`);
      resolve(code ?? 1);
    });
  });
}

const codes = await Promise.all(checks.map(run));
process.exit(codes.every((code) => code === 0) ? 0 : 1);
