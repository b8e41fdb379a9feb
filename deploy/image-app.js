// Writes the Docker image's application manifest into the folder given (beside the packed tarball):
// the tarball, the Temporal SDK and the optional peers the packaged worker and CLI load, each at the
// version this repository tests with. Run by the Dockerfile's build stage.
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.argv[2];
const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
if (!tarball) throw new Error(`no packed tarball in ${dir}`);
const dependencies = { [manifest.name]: `file:./${tarball}` };
for (const name of Object.keys(manifest.peerDependencies)) {
  if (name === '@temporalio/nexus' || name === 'nexus-rpc') continue; // the packaged worker serves no Nexus endpoint
  dependencies[name] = manifest.devDependencies[name];
}
writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'rivya-sora2-image', private: true, dependencies }, null, 2)}\n`);
