/** A loopback port free right now: for servers that must come back on the same port after a restart. */
export { freePort } from '../../src/internal/net/ports';
