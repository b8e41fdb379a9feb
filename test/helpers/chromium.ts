/**
 * A real headless Chromium (the system's, driven by puppeteer-core) for tests that look at the
 * Temporal UI as an operator does. Nothing here downloads a browser: no Chromium found is a loud
 * failure naming the install command, never a skip.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import type * as Puppeteer from 'puppeteer-core';

/** What CI runs (.ci/run) and what a developer on Debian/Ubuntu runs, as root or with sudo. */
export const CHROMIUM_INSTALL_COMMAND = 'apt-get install -y chromium';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const HEADLESS_SHELL = 'chromium-headless-shell';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    // A directory passes the X_OK check too.
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, path: string | undefined): string | undefined {
  for (const directory of (path ?? '').split(delimiter)) {
    if (directory && isExecutable(join(directory, name))) return join(directory, name);
  }
  return undefined;
}

/**
 * The browser to drive: RIVYA_CHROMIUM when set (and then only it: a wrong path is an error, not a
 * reason to quietly use another browser), else Debian's /usr/bin/chromium, else a
 * chromium-headless-shell on PATH.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.RIVYA_CHROMIUM;
  if (chosen !== undefined && chosen !== '') {
    if (isExecutable(chosen)) return chosen;
    throw new Error(
      `RIVYA_CHROMIUM=${chosen} is not an executable file: point it at a Chromium binary, or unset it ` +
        `(Debian's Chromium: \`${CHROMIUM_INSTALL_COMMAND}\`, then ${DEBIAN_CHROMIUM})`,
    );
  }
  if (isExecutable(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  const shell = onPath(HEADLESS_SHELL, env.PATH);
  if (shell) return shell;
  throw new Error(
    `No Chromium for the operator UI test (looked at RIVYA_CHROMIUM, ${DEBIAN_CHROMIUM}, ${HEADLESS_SHELL} on PATH). ` +
      `Install Debian's: \`${CHROMIUM_INSTALL_COMMAND}\` (as root, or with sudo), or set RIVYA_CHROMIUM=/path/to/chromium`,
  );
}

/**
 * puppeteer-core ships only as an ES module, which Jest's CommonJS module loader cannot read; Node's
 * own loader can (require of an ES module, Node >= 20.19), so it is asked directly.
 */
function loadPuppeteer(): typeof Puppeteer {
  if (typeof process.getBuiltinModule !== 'function') {
    throw new Error(`the operator UI test needs Node >= 20.19 (this is ${process.version}) to load puppeteer-core`);
  }
  const { createRequire } = process.getBuiltinModule('node:module');
  return createRequire(__filename)('puppeteer-core') as typeof Puppeteer;
}

export type { Browser, Frame, Page } from 'puppeteer-core';

/** A headless browser on the found binary; `--no-sandbox` because CI runs as root. */
export async function launchChromium(executablePath = findChromium()): Promise<Puppeteer.Browser> {
  const puppeteer = loadPuppeteer();
  return puppeteer.launch({
    executablePath,
    // The headless shell has only the old headless mode; the full browser runs the new one.
    headless: basename(executablePath).includes(HEADLESS_SHELL) ? 'shell' : true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    // Bounded: a browser that does not come up fails the test instead of hanging it.
    timeout: 30_000,
  });
}
