/**
 * The pure parts of the list (src/client/list-generations.ts, tools/cli/commands/list.ts): the
 * visibility query (no ORDER BY, quoted values, the cursor's millisecond kept), the client-side
 * order and keyset pages, the page token, and the CLI's filters.
 */
import { decodeCursor, encodeCursor, listQuery, pageOf, Sora2ListFilterError, type ListCursor } from '../../src/client/list-generations';
import { formatPage, listFilters, parseSince } from '../../tools/cli/commands/list';

test('the query names the type and each filter, and never sorts on the server', () => {
  const query = listQuery({
    status: ['succeeded', 'failed'],
    model: 'sora-2',
    batch: 'batch-1',
    account: 'acme',
    since: new Date('2026-12-07T10:00:00.000Z'),
  });
  expect(query).toBe(
    'WorkflowType = "sora2Generation" AND RivyaTaskStatus IN ("succeeded", "failed") AND RivyaModel = "sora-2" AND ' +
      'RivyaBatchId = "batch-1" AND RivyaAccount = "acme" AND StartTime >= "2026-12-07T10:00:00.000Z"',
  );
  expect(query).not.toMatch(/ORDER BY/i);
  expect(listQuery({ status: 'queued' })).toBe('WorkflowType = "sora2Generation" AND RivyaTaskStatus = "queued"');
});

test('a value cannot end its quotes, and control characters are refused', () => {
  expect(listQuery({ batch: 'a" OR WorkflowType = "x' })).toContain('RivyaBatchId = "a\\" OR WorkflowType = \\"x"');
  expect(() => listQuery({ model: 'sora\n2' })).toThrow(Sora2ListFilterError);
  expect(() => listQuery({ since: new Date('nope') })).toThrow(Sora2ListFilterError);
});

test("the cursor's query keeps its own millisecond (visibility holds sub-millisecond start times)", () => {
  expect(listQuery({}, { startMs: Date.parse('2026-12-07T10:00:00.123Z'), runId: 'r' })).toContain(
    'StartTime < "2026-12-07T10:00:00.124Z"',
  );
});

const run = (startMs: number, runId: string): ListCursor => ({ startMs, runId });

test('pages are newest first whatever order the server returns, and walk every run exactly once', () => {
  // The server's own order (SQL visibility: running first, then by close time): anything but by start.
  const fetched = [run(3, 'c'), run(9, 'a'), run(1, 'z'), run(9, 'b'), run(5, 'x'), run(7, 'y')];
  const seen: string[] = [];
  let cursor: ListCursor | undefined;
  for (let pages = 0; pages < 10; pages += 1) {
    // Each page re-runs the query: the server returns what is at or before the cursor's millisecond.
    const visible = fetched.filter((r) => cursor === undefined || r.startMs < cursor.startMs + 1);
    const { page, next } = pageOf(visible, 2, cursor, false);
    seen.push(...page.map((r) => `${r.startMs}${r.runId}`));
    if (!next) break;
    cursor = next;
  }
  expect(seen).toEqual(['9b', '9a', '7y', '5x', '3c', '1z']);
});

test('a full window still hands out a next token, an exhausted one does not', () => {
  expect(pageOf([run(2, 'a'), run(1, 'b')], 5, undefined, true).next).toEqual(run(1, 'b'));
  expect(pageOf([run(2, 'a'), run(1, 'b')], 5, undefined, false).next).toBeNull();
});

test('the page token round-trips, and a foreign one is refused', () => {
  const cursor = run(Date.parse('2026-12-07T10:00:00Z'), 'run-1');
  expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  expect(() => decodeCursor('not-a-token')).toThrow(Sora2ListFilterError);
  expect(() => decodeCursor(Buffer.from('{"s":"x"}').toString('base64url'))).toThrow(Sora2ListFilterError);
});

test('the CLI reads --since as a duration back or a time, and statuses comma-separated', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  expect(parseSince('2h', now).toISOString()).toBe('2026-12-07T10:00:00.000Z');
  expect(parseSince('2026-12-07T09:30:00Z', now).toISOString()).toBe('2026-12-07T09:30:00.000Z');
  expect(() => parseSince('yesterday', now)).toThrow(/--since/);
  expect(listFilters({ status: 'succeeded, failed', limit: '5' }, now)).toEqual({ status: ['succeeded', 'failed'], limit: 5 });
  expect(() => listFilters({ limit: 'ten' })).toThrow(/--limit/);
});

test('the table shows a running run with a + on its duration and the next page command', () => {
  const lines = formatPage({
    generations: [
      {
        workflowId: 'wf-1',
        runId: 'r1',
        executionStatus: 'RUNNING',
        status: null,
        taskId: null,
        model: 'sora-2',
        price: 6,
        batchId: null,
        account: null,
        startedAt: '2026-12-07T10:00:00.000Z',
        closedAt: null,
        durationMs: 1500,
      },
    ],
    nextPageToken: 'tok',
    query: '',
    windowFull: false,
  });
  expect(lines[0]).toMatch(/^STARTED\s+STATUS\s+MODEL\s+PRICE/);
  expect(lines[1]).toMatch(/2026-12-07 10:00:00Z\s+no task yet\s+sora-2\s+6\s+1\.5s\+/);
  expect(lines.at(-1)).toBe('more: rivya-sora2 list ... --next tok');
});
