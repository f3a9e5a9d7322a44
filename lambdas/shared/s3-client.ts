/**
 * `S3Client`s for the rare calls that are not a presigned URL (listing, multipart control),
 * one per role session. The SDK client is ~400 kB, so it is imported on first use rather
 * than on every cold start.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { BucketLocation } from './object-urls';
import type { RoleSession } from './role-sessions';

/** The `@aws-sdk/client-s3` module, loaded on demand. */
export type S3Module = typeof import('@aws-sdk/client-s3');

let s3Module: Promise<S3Module> | undefined;
const clients = { quick: new WeakMap<RoleSession, S3Client>(), patient: new WeakMap<RoleSession, S3Client>() };

/**
 * How a call may take its time. `quick` (listing, create, check, abort): two attempts of at most
 * 3 s each. `patient` (completion, which S3 documents can take minutes while it trickles
 * whitespace): one attempt, bounded only by the request's deadline, since a retry of a
 * completion that S3 finished meets 412 or NoSuchUpload rather than success.
 */
export type S3CallPace = 'quick' | 'patient';

/** The S3 client that acts with a user's role session, and the SDK module's commands to send with it. */
export async function s3For(
  session: RoleSession,
  location: BucketLocation,
  pace: S3CallPace = 'quick',
): Promise<{ client: S3Client; commands: S3Module }> {
  s3Module ??= import('@aws-sdk/client-s3');
  const commands = await s3Module;
  let client = clients[pace].get(session);
  if (!client) {
    client = new commands.S3Client({
      region: location.region,
      credentials: session.credentials,
      // The SDK's default CRC32 checksums break browser uploads and emulators; S3 needs none here.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(pace === 'quick'
        ? { maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 } }
        : { maxAttempts: 1, requestHandler: { connectionTimeout: 1000 } }),
      ...(location.endpoint && { endpoint: location.endpoint, forcePathStyle: true }),
    });
    clients[pace].set(session, client);
  }
  return { client, commands };
}

/** The S3 error code of a failed SDK call (`NoSuchUpload`, `InvalidArgument`…), if S3 answered at all. */
export function s3ErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status < 500 ? (error as { name?: string }).name : undefined;
}
