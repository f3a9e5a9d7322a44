/**
 * The S3 calls of a multipart upload that are not presigned URLs: create, check, complete and
 * abort, made with the caller's UploaderRole session, so IAM confines them to the caller's
 * prefix like every URL. S3's refusals become precise API errors.
 */
import { ApiError, storageUnavailable } from './errors';
import type { BucketLocation } from './object-urls';
import type { RoleSession } from './role-sessions';
import { s3ErrorCode, s3For } from './s3-client';

/** What a new multipart upload is. */
export interface NewMultipartUpload {
  readonly key: string;
  readonly contentType: string;
  /** Stored as `x-amz-meta-filename`, like a single PUT's. */
  readonly encodedFilename: string;
}

/** Starts a multipart upload; answers its upload id. */
export async function createMultipartUpload(session: RoleSession, location: BucketLocation, upload: NewMultipartUpload): Promise<string> {
  const {
    client,
    commands: { CreateMultipartUploadCommand },
  } = await s3For(session, location);
  const answer = await client
    .send(
      new CreateMultipartUploadCommand({
        Bucket: location.bucket,
        Key: upload.key,
        ContentType: upload.contentType,
        Metadata: { filename: upload.encodedFilename },
      }),
    )
    .catch((error: unknown) => {
      throw storageUnavailable(error);
    });
  if (!answer.UploadId) throw storageUnavailable(new Error('CreateMultipartUpload answered without an UploadId'));
  return answer.UploadId;
}

/** Proves the upload exists for this key before more part URLs are signed: 404 otherwise. */
export async function assertUploadExists(session: RoleSession, location: BucketLocation, key: string, uploadId: string): Promise<void> {
  const {
    client,
    commands: { ListPartsCommand },
  } = await s3For(session, location);
  await client
    .send(new ListPartsCommand({ Bucket: location.bucket, Key: key, UploadId: uploadId, MaxParts: 1 }))
    .catch((error: unknown) => {
      throw uploadError(error);
    });
}

/** One part S3 holds for an upload in progress. */
export interface StoredPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
}

/** Every part S3 holds for the upload, in part-number order (404 when the upload is gone). */
export async function listUploadedParts(
  session: RoleSession,
  location: BucketLocation,
  key: string,
  uploadId: string,
): Promise<StoredPart[]> {
  const {
    client,
    commands: { ListPartsCommand },
  } = await s3For(session, location);
  const parts: StoredPart[] = [];
  let marker: string | undefined;
  do {
    const page = await client
      .send(new ListPartsCommand({ Bucket: location.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }))
      .catch((error: unknown) => {
        throw uploadError(error);
      });
    for (const part of page.Parts ?? []) {
      if (part.PartNumber === undefined) continue;
      parts.push({ partNumber: part.PartNumber, etag: (part.ETag ?? '').replace(/"/g, ''), size: part.Size ?? 0 });
    }
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker);
  return parts;
}

/**
 * Completes the upload. S3 checks every part's ETag, that the parts add up to the declared
 * size, and (`If-None-Match: *`) that no object exists under the key.
 */
export async function completeMultipartUpload(
  session: RoleSession,
  location: BucketLocation,
  upload: { key: string; uploadId: string; size: number; parts: readonly { partNumber: number; etag: string }[] },
): Promise<void> {
  const {
    client,
    commands: { CompleteMultipartUploadCommand },
  } = await s3For(session, location);
  await client
    .send(
      new CompleteMultipartUploadCommand({
        Bucket: location.bucket,
        Key: upload.key,
        UploadId: upload.uploadId,
        MultipartUpload: { Parts: upload.parts.map(({ partNumber, etag }) => ({ PartNumber: partNumber, ETag: etag })) },
        MpuObjectSize: upload.size,
        IfNoneMatch: '*',
      }),
    )
    .catch((error: unknown) => {
      throw uploadError(error);
    });
}

/** Aborts the upload; S3 drops the parts already sent. */
export async function abortMultipartUpload(session: RoleSession, location: BucketLocation, key: string, uploadId: string): Promise<void> {
  const {
    client,
    commands: { AbortMultipartUploadCommand },
  } = await s3For(session, location);
  await client.send(new AbortMultipartUploadCommand({ Bucket: location.bucket, Key: key, UploadId: uploadId })).catch((error: unknown) => {
    throw uploadError(error);
  });
}

function uploadError(error: unknown): ApiError {
  switch (s3ErrorCode(error)) {
    case 'NoSuchUpload':
      return new ApiError('NOT_FOUND', 'No upload with this id for this key: it may have been completed or aborted.', { cause: error });
    case 'InvalidPart':
      return new ApiError('INVALID_PARTS', 'A part was not uploaded, or its ETag is not the one S3 answered.', { cause: error });
    case 'InvalidPartOrder':
      return new ApiError('INVALID_PARTS', 'Parts must be listed in ascending order.', { cause: error });
    case 'EntityTooSmall':
      return new ApiError('INVALID_PARTS', 'Every part but the last must be the planned part size.', { cause: error });
    case 'InvalidRequest':
      return new ApiError('INVALID_PARTS', 'The parts do not add up to the declared size.', { cause: error });
    case 'PreconditionFailed':
      return new ApiError('ALREADY_EXISTS', 'A file already exists under this key.', { cause: error });
    default:
      return storageUnavailable(error);
  }
}
