/**
 * Reading the Temporal UI (the single-page app the dev server serves, 2.42 in our CLI 1.5.1) the
 * way an operator sees it: wait for what is on screen, never for a fixed time, and keep a
 * full-page screenshot of each view.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from './chromium';

/**
 * The few browser globals the page functions below use. The project compiles without the DOM
 * library (it is Node code), so functions that run in the page reach them through this type; the
 * cast is erased, so the page sees plain `globalThis.document` and friends.
 */
export interface PageGlobals {
  document: {
    body: { innerText: string };
    getElementById(id: string): { scrollHeight: number; clientHeight: number } | null;
    querySelectorAll(selector: string): ArrayLike<{ innerText: string }>;
  };
  localStorage: { setItem(key: string, value: string): void };
  requestAnimationFrame(callback: () => void): number;
}

/** How long a view may take to show what is asked of it (the UI refetches every few seconds). */
export const VIEW_TIMEOUT_MS = 20_000;

/** The page's visible text, for assertions and for failure messages. */
export async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.innerText);
}

/**
 * Waits until the page's visible text contains every one of `texts`; the error names what was
 * missing and shows what the page did show.
 */
export async function waitForTexts(page: Page, texts: readonly string[], what: string, timeoutMs = VIEW_TIMEOUT_MS): Promise<string> {
  try {
    await page.waitForFunction(
      (wanted: string[]) => wanted.every((text) => (globalThis as unknown as PageGlobals).document.body.innerText.includes(text)),
      { timeout: timeoutMs },
      [...texts],
    );
  } catch (err) {
    const shown = await visibleText(page).catch(() => '');
    const missing = texts.filter((text) => !shown.includes(text));
    throw new Error(`${what}: the UI never showed ${JSON.stringify(missing)}; it shows:\n${shown.slice(0, 3_000)}`, { cause: err });
  }
  return visibleText(page);
}

/**
 * The UI renders markdown (summary, details, current details) in same-origin iframes at /render:
 * their text is not in the page's own innerText. Waits until `count` of them show text, and
 * returns their texts in page order.
 */
export async function renderedMarkdown(page: Page, count: number, timeoutMs = VIEW_TIMEOUT_MS): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let texts: string[] = [];
  while (Date.now() < deadline) {
    // A frame still navigating has an empty URL: matched by prefix, never parsed.
    const renderPage = new URL('/render?', page.url()).href;
    const frames = page.frames().filter((frame) => frame.url().startsWith(renderPage));
    texts = await Promise.all(
      frames.map((frame) => frame.evaluate(() => (globalThis as unknown as PageGlobals).document.body?.innerText ?? '').catch(() => '')),
    );
    if (texts.length >= count && texts.every((text) => text.trim() !== '')) return texts.map((text) => text.trim());
    await page.waitForNetworkIdle({ idleTime: 200, timeout: 2_000 }).catch(() => undefined);
  }
  throw new Error(`expected ${count} rendered markdown panels, found ${texts.length}: ${JSON.stringify(texts)}`);
}

/** Tallest screenshot taken: header, input and result, timeline and the first events; the rest of a long history is cut. */
const MAX_SCREENSHOT_HEIGHT = 1_500;

/**
 * A full-page PNG under `directory`, named for the view; returns its path. The UI scrolls inside
 * its own container (#content-wrapper), so the page itself is never taller than the window: the
 * window is grown to the container's content for the shot, then put back.
 */
export async function screenshot(page: Page, directory: string, name: string): Promise<string> {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${name}.png`);
  const viewport = page.viewport();
  const overflow = await page.evaluate(() => {
    const container = (globalThis as unknown as PageGlobals).document.getElementById('content-wrapper');
    return container ? container.scrollHeight - container.clientHeight : 0;
  });
  if (viewport && overflow > 0) {
    await page.setViewport({ ...viewport, height: Math.min(viewport.height + overflow, MAX_SCREENSHOT_HEIGHT) });
    // Two frames: the resize is laid out and painted before the shot.
    await page.evaluate(() => {
      const { requestAnimationFrame } = globalThis as unknown as PageGlobals;
      return new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    });
  }
  await page.screenshot({ path, fullPage: true });
  if (viewport && overflow > 0) await page.setViewport(viewport);
  return path;
}
