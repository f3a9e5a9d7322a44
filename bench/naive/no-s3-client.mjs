/**
 * BENCH ONLY: nothing, in place of `@aws-sdk/client-s3`, for the bench's "without S3Client" lever
 * (a function layout where the hot routes never hold the S3 client). Its rare routes fail.
 */
export {};
