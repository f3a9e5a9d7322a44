/**
 * BASELINE for `npm run bench`, never deployed: the HEAD before a download written the way
 * public samples write it, `new S3Client(…).send(new HeadObjectCommand(…))`, configured from the
 * environment. Takes the place of `lambdas/shared/object-head.ts` in the naive bundle.
 */
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { decodeRfc5987 } from '../../lambdas/shared/content-disposition';
import { storageUnavailable } from '../../lambdas/shared/errors';
import type { ObjectHead } from '../../lambdas/shared/object-head';
import type { ObjectUrlSigner } from '../../lambdas/shared/object-urls';
import type { RoleSession } from '../../lambdas/shared/role-sessions';

export type { ObjectHead } from '../../lambdas/shared/object-head';

const { BUCKET_NAME, AWS_REGION, S3_ENDPOINT } = process.env;

/** Same contract as the production `headObject`; the signer is not needed, the client signs. */
export async function headObject(_signer: ObjectUrlSigner, session: RoleSession, key: string): Promise<ObjectHead | undefined> {
  const client = new S3Client({
    region: AWS_REGION,
    credentials: session.credentials,
    ...(S3_ENDPOINT && { endpoint: S3_ENDPOINT, forcePathStyle: true }),
  });
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET_NAME, Key: key }));
    const filename = decodeRfc5987(head.Metadata?.filename ?? '');
    return {
      size: head.ContentLength ?? 0,
      contentType: head.ContentType ?? 'application/octet-stream',
      lastModified: (head.LastModified ?? new Date(0)).toISOString(),
      ...(filename && { filename }),
    };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403) return undefined;
    throw storageUnavailable(error);
  }
}
