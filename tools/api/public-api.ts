/**
 * The public API as a list: every name each package entry exports (values and types), read with
 * the TypeScript compiler from the sources behind `package.json#exports`. `npm run api:update`
 * writes it to `api/public-api.json`; a unit test fails when the sources and the file disagree,
 * so a change to what users can import is a reviewed change (see docs/api-stability.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export type PublicApi = Record<string, string[]>;

/** `./dist/src/entry/worker.d.ts` → `src/entry/worker.ts`. */
function sourceOf(typesPath: string): string {
  return typesPath.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts');
}

export function readPublicApi(root: string): PublicApi {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | { types?: string }> };
  const entries = Object.entries(manifest.exports).flatMap(([subpath, target]) =>
    typeof target === 'object' && target.types ? [[subpath, join(root, sourceOf(target.types))] as const] : [],
  );
  const program = ts.createProgram(
    entries.map(([, file]) => file),
    {
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
    },
  );
  const checker = program.getTypeChecker();
  const api: PublicApi = {};
  for (const [subpath, file] of entries) {
    const source = program.getSourceFile(file);
    const symbol = source && checker.getSymbolAtLocation(source);
    api[subpath] = symbol
      ? checker
          .getExportsOfModule(symbol)
          .map((exported) => exported.name)
          .sort()
      : [];
  }
  return api;
}

if (require.main === module) {
  const root = join(__dirname, '..', '..', '..');
  process.stdout.write(`${JSON.stringify(readPublicApi(root), null, 2)}\n`);
}
