/**
 * The S3 sink and client load with the first `s3://` save, not with the activities: the AWS SDK is
 * ~100 modules that a worker saving to directories (or not at all) never needs in memory.
 */
export function loadS3Storage(): typeof import('./s3-client') & typeof import('./s3-sink') {
  /* eslint-disable @typescript-eslint/no-require-imports -- deferred until an S3 save (see above) */
  return {
    ...(require('./s3-client') as typeof import('./s3-client')),
    ...(require('./s3-sink') as typeof import('./s3-sink')),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}
