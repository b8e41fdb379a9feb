/** isBindConflict (tools/cluster/errors.ts): which failed `cluster up` is tried once more with other ports. */
import { isBindConflict } from '../../tools/cluster/errors';

test('a process that lost its port to another program is a bind conflict', () => {
  for (const tail of [
    'LOG:  could not bind IPv4 address "127.0.0.1": Address already in use',
    'listen tcp 127.0.0.1:27233: bind: address already in use',
    'Error: listen EADDRINUSE: address already in use 127.0.0.1:24001',
  ]) {
    expect(isBindConflict(new Error(`PostgreSQL exited (1); last lines of postgres.log:\n${tail}`))).toBe(true);
  }
});

test('other failures are not retried', () => {
  expect(
    isBindConflict(new Error('the Temporal server not ready after 60 s; last lines of temporal-server.log:\nsql: connection refused')),
  ).toBe(false);
  expect(isBindConflict(new Error('initdb failed (exit 1): could not create directory'))).toBe(false);
  expect(isBindConflict('address already in use')).toBe(false);
});
