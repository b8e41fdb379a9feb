/**
 * What users can import is a reviewed list: api/public-api.json. Adding or removing an export
 * fails here until the file is regenerated (`npm run api:update`) and the change is in the diff.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPublicApi, type PublicApi } from '../../tools/api/public-api';

const root = join(__dirname, '..', '..');
let api: PublicApi;
// One compiler pass for the file (it reads every entry's sources and their imports).
beforeAll(() => {
  api = readPublicApi(root);
}, 120_000);

test('the exports of every package entry match api/public-api.json', () => {
  const recorded = JSON.parse(readFileSync(join(root, 'api', 'public-api.json'), 'utf8')) as PublicApi;
  expect(api).toEqual(recorded);
});

test('internal helpers stay out of the main entry', () => {
  const main = api['.']!;
  for (const internal of ['requireOptional', 'freePort', 'freePorts', 'printable', 'findPackage', 'warmStartLearner', 'checkRivyaAccount'])
    expect(main).not.toContain(internal);
});
