export * from './client';
export * from './errors';
export * from './models';
export * from './schemas';
export { parseRetryAfter } from './retry-after';
