/** The batch chaos section of RELIABILITY.md: appended once, replaced (never duplicated) on a rerun. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBatchChaosSection, type BatchChaosSummary } from '../chaos/batch-report';

const summary = (succeeded: number): BatchChaosSummary => ({
  setup: ['500 items at concurrency 25'],
  observed: [`${succeeded} succeeded`],
  invariants: [
    { name: 'no item paid twice', passed: true, detail: '500 tasks | 500 ids' },
    { name: 'the budget', passed: false, detail: 'peak 10 of 9' },
  ],
});

test('appended after the plain report, then replaced in place on a rerun', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rivya-batch-report-'));
  try {
    const path = join(dir, 'RELIABILITY.md');
    writeFileSync(path, '# Reliability report\n\nthe plain chaos run\n');
    writeBatchChaosSection(path, summary(450));
    const first = readFileSync(path, 'utf8');
    expect(first.startsWith('# Reliability report\n\nthe plain chaos run\n\n<!-- batch-chaos:start -->')).toBe(true);
    expect(first).toContain('- 450 succeeded');
    expect(first).toContain('| no item paid twice | yes | 500 tasks \\| 500 ids |');
    expect(first).toContain('| the budget | **NO** | peak 10 of 9 |');

    writeFileSync(path, readFileSync(path, 'utf8') + '\ntext after\n');
    writeBatchChaosSection(path, summary(451));
    const second = readFileSync(path, 'utf8');
    expect(second.match(/batch-chaos:start/g)).toHaveLength(1);
    expect(second).not.toContain('450 succeeded');
    expect(second).toContain('- 451 succeeded');
    expect(second.startsWith('# Reliability report\n\nthe plain chaos run\n')).toBe(true);
    expect(second.trimEnd().endsWith('text after')).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
