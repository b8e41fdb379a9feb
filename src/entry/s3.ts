/**
 * `rivya-sora2-temporal/s3`: the S3 client result saves use (`save.to: s3://…`), built from the AWS
 * chain. Needs the optional peers `@aws-sdk/client-s3` and `@aws-sdk/lib-storage`.
 */
export { createS3Client, type S3ClientOptions } from '../storage/s3-client';
