// An ESM app (test/install; its package.json says "type": "module"): named imports from the CommonJS
// package (Node's static analysis of its exports), then every public subpath given as arguments,
// each imported on its own so one missing subpath does not hide the others. Prints one JSON line.
import { Sora2Plugin, executeSora2Generation, generationFailureOf, startSora2Generation } from 'rivya-sora2-temporal';
import { sora2Generation } from 'rivya-sora2-temporal/workflow';

const named = { Sora2Plugin, executeSora2Generation, generationFailureOf, startSora2Generation, sora2Generation };
const subpaths = {};
for (const subpath of process.argv.slice(2)) {
  const specifier = subpath === '.' ? 'rivya-sora2-temporal' : `rivya-sora2-temporal/${subpath.slice(2)}`;
  try {
    const namespace = await import(specifier);
    const functions = Object.keys(namespace).filter((name) => typeof namespace[name] === 'function');
    subpaths[subpath] = { ok: true, exports: Object.keys(namespace).length, functions };
  } catch (err) {
    subpaths[subpath] = { ok: false, code: err.code ?? null, message: String(err.message ?? err).split('\n')[0] };
  }
}
console.log(
  JSON.stringify({
    node: process.version,
    named: Object.fromEntries(Object.entries(named).map(([name, value]) => [name, typeof value])),
    subpaths,
  }),
);
