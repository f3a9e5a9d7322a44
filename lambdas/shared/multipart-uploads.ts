/**
 * The S3 calls of a multipart upload that are not presigned URLs: create, check, complete and
 * abort, made with the caller's UploaderRole session, so IAM confines them to the caller's
 * prefix like every URL. S3's refusals become precise API errors.
 */
import { withinDeadline } from './deadline';
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
  /** Every part carries its SHA-256; the object's checksum is S3's composite one. */
  readonly partChecksums?: boolean;
}

/** Starts a multipart upload; answers its upload id. */
export async function createMultipartUpload(
  session: RoleSession,
  location: BucketLocation,
  upload: NewMultipartUpload,
  signal?: AbortSignal,
): Promise<string> {
  const {
    client,
    commands: { CreateMultipartUploadCommand },
  } = await s3For(session, location);
  const answer = await withinDeadline(signal, (abortSignal) =>
    client.send(
      new CreateMultipartUploadCommand({
        Bucket: location.bucket,
        Key: upload.key,
        ContentType: upload.contentType,
        Metadata: { filename: upload.encodedFilename },
        ...(upload.partChecksums && { ChecksumAlgorithm: 'SHA256', ChecksumType: 'COMPOSITE' }),
      }),
      { abortSignal },
    ),
  ).catch((error: unknown) => {
    throw storageUnavailable(error);
  });
  if (!answer.UploadId) throw storageUnavailable(new Error('CreateMultipartUpload answered without an UploadId'));
  return answer.UploadId;
}

/** Proves the upload exists for this key before more part URLs are signed: 404 otherwise. */
export async function assertUploadExists(
  session: RoleSession,
  location: BucketLocation,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<void> {
  const {
    client,
    commands: { ListPartsCommand },
  } = await s3For(session, location);
  await withinDeadline(signal, (abortSignal) =>
    client.send(new ListPartsCommand({ Bucket: location.bucket, Key: key, UploadId: uploadId, MaxParts: 1 }), { abortSignal }),
  ).catch((error: unknown) => {
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
  signal?: AbortSignal,
): Promise<StoredPart[]> {
  const {
    client,
    commands: { ListPartsCommand },
  } = await s3For(session, location);
  const parts: StoredPart[] = [];
  let marker: string | undefined;
  do {
    const page = await withinDeadline(signal, (abortSignal) =>
      client.send(new ListPartsCommand({ Bucket: location.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }), {
        abortSignal,
      }),
    ).catch((error: unknown) => {
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

/** A part as completion names it: S3 compares its ETag, and its SHA-256 when the upload has part checksums. */
export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly checksumSha256?: string;
}

/**
 * Completes the upload. S3 checks every part's ETag, that the parts add up to the declared
 * size, and (`If-None-Match: *`) that no object exists under the key.
 *
 * Idempotent: S3 may finish a completion whose answer never reached us (or the client), and the
 * retry then meets 412 (the object exists) or NoSuchUpload (the upload is gone). Only this upload
 * can have made an object under its key, so either answer is a success when the object is there
 * with the declared size; anything else keeps its error. One attempt, as long as the deadline
 * allows: a retry by the SDK would meet the same answers.
 */
export async function completeMultipartUpload(
  session: RoleSession,
  location: BucketLocation,
  upload: { key: string; uploadId: string; size: number; parts: readonly CompletedPart[] },
  signal?: AbortSignal,
): Promise<void> {
  const {
    client,
    commands: { CompleteMultipartUploadCommand },
  } = await s3For(session, location, 'patient');
  try {
    await withinDeadline(signal, (abortSignal) =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: location.bucket,
          Key: upload.key,
          UploadId: upload.uploadId,
          MultipartUpload: {
            Parts: upload.parts.map(({ partNumber, etag, checksumSha256 }) => ({
              PartNumber: partNumber,
              ETag: etag,
              ...(checksumSha256 && { ChecksumSHA256: checksumSha256 }),
            })),
          },
          MpuObjectSize: upload.size,
          IfNoneMatch: '*',
        }),
        { abortSignal },
      ),
    );
  } catch (error) {
    const code = s3ErrorCode(error);
    if (
      (code === 'PreconditionFailed' || code === 'NoSuchUpload') &&
      (await storedSize(session, location, upload.key, signal)) === upload.size
    ) {
      return;
    }
    throw uploadError(error);
  }
}

/**
 * The size of the object under `key`, if there is one. Listed rather than HEAD: the UploaderRole
 * may list its own prefix but never read an object (HEAD needs `s3:GetObject`).
 */
async function storedSize(session: RoleSession, location: BucketLocation, key: string, signal?: AbortSignal): Promise<number | undefined> {
  const {
    client,
    commands: { ListObjectsV2Command },
  } = await s3For(session, location);
  const page = await withinDeadline(signal, (abortSignal) =>
    client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: key, MaxKeys: 1 }), { abortSignal }),
  ).catch((error: unknown) => {
    throw storageUnavailable(error);
  });
  return page.Contents?.find((object) => object.Key === key)?.Size;
}

/** Aborts the upload; S3 drops the parts already sent. */
export async function abortMultipartUpload(
  session: RoleSession,
  location: BucketLocation,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<void> {
  const {
    client,
    commands: { AbortMultipartUploadCommand },
  } = await s3For(session, location);
  await withinDeadline(signal, (abortSignal) =>
    client.send(new AbortMultipartUploadCommand({ Bucket: location.bucket, Key: key, UploadId: uploadId }), { abortSignal }),
  ).catch((error: unknown) => {
    throw uploadError(error);
  });
}

function uploadError(error: unknown): ApiError {
  switch (s3ErrorCode(error)) {
    case 'NoSuchUpload':
      return new ApiError('NOT_FOUND', 'No upload with this id for this key: it may have been completed or aborted.', { cause: error });
    case 'InvalidPart':
      return new ApiError('INVALID_PARTS', 'A part was not uploaded, or its ETag or checksum is not the one S3 answered.', {
        cause: error,
      });
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
