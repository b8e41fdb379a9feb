/**
 * What `import … from 'rivya-sora2-temporal'` costs a backend: the built main entry, required in a
 * fresh Node process, loads the Temporal client side and none of the optional integrations — no AWS
 * SDK, no OpenTelemetry exporter, no commander, no Temporal CLI download code, no @temporalio/worker.
 * The subpath entries load their own dependencies. (npm test builds dist/ first.)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The files a fresh process holds in require.cache after requiring `specifier` from the repo root. */
function loadedFiles(specifier: string): string[] {
  const script = `require(${JSON.stringify(specifier)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[];
}

/** npm packages among loaded files: the last `node_modules/<name>` of each path. */
function packagesOf(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const matches = [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
    if (matches.length) names.add(matches[matches.length - 1]![1]!);
  }
  return names;
}

const FORBIDDEN_IN_MAIN = [
  /node_modules\/@aws-sdk\//,
  /node_modules\/@opentelemetry\/exporter-/,
  /node_modules\/@opentelemetry\/sdk-trace/,
  /node_modules\/@temporalio\/interceptors-opentelemetry\//,
  /node_modules\/@temporalio\/worker\//,
  /node_modules\/@temporalio\/testing\//,
  /node_modules\/@temporalio\/envconfig\//,
  /node_modules\/@temporalio\/nexus\//,
  /node_modules\/commander\//,
  /node_modules\/cli-progress\//,
  /node_modules\/webpack\//,
  /\/dist\/(tools|simulator)\//,
  // The OpenAI-compatible videos endpoint is its own entry (rivya-sora2-temporal/videos).
  /\/dist\/src\/videos\//,
  /node_modules\/busboy\//,
];

describe('the main entry loads only the client side', () => {
  const files = loadedFiles('rivya-sora2-temporal');

  it('resolves to the built package (self-reference through package.json exports)', () => {
    expect(files).toContain(join(ROOT, 'dist', 'src', 'index.js'));
  });

  it.each(FORBIDDEN_IN_MAIN.map((pattern) => [pattern.source, pattern]))('loads nothing matching %s', (_name, pattern) => {
    expect(files.filter((file) => pattern.test(file))).toEqual([]);
  });

  it('loads at most 30 npm packages', () => {
    expect(packagesOf(files).size).toBeLessThanOrEqual(30);
  });
});

describe('subpath entries load their own integrations', () => {
  it.each([
    ['rivya-sora2-temporal/worker', /node_modules\/@temporalio\/worker\//],
    ['rivya-sora2-temporal/s3', /node_modules\/@aws-sdk\/client-s3\//],
    ['rivya-sora2-temporal/tracing', /node_modules\/@opentelemetry\/exporter-trace-otlp-http\//],
    ['rivya-sora2-temporal/nexus', /node_modules\/@temporalio\/nexus\//],
    ['rivya-sora2-temporal/testing', /\/dist\/tools\/temporal-cli\//],
    ['rivya-sora2-temporal/videos', /\/dist\/src\/videos\/handler\.js$/],
  ])('%s', (specifier, expected) => {
    expect(loadedFiles(specifier).some((file) => expected.test(file))).toBe(true);
  });

  it('the workflow entry stays out of the worker and of our Nexus contract', () => {
    // (The SDK's own @temporalio/workflow may load nexus-rpc: that is the application's SDK, not us.)
    const files = loadedFiles('rivya-sora2-temporal/workflow');
    expect(
      files.filter((file) => /node_modules\/(@temporalio\/worker|@temporalio\/nexus)\/|\/dist\/workflows\/nexus-service\.js$/.test(file)),
    ).toEqual([]);
  });
});
