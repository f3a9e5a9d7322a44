/**
 * What S3 keeps of per-part SHA-256s, which the emulator ignores: each part's checksum (already
 * verified against its bytes by the front), the check at completion that every such part is named
 * with that same checksum (400 `InvalidPart` otherwise), and the object's composite checksum,
 * the SHA-256 of the parts' digests with a `-N` suffix, answered to HEAD and GET with
 * `x-amz-checksum-mode: ENABLED`.
 *
 * Held in memory for the front's lifetime: local mode's objects outlive a restart, their
 * composite checksums do not. An upload whose parts carry no checksum is not touched.
 */
import { createHash } from 'node:crypto';
import { S3ErrorAnswer } from './s3-error';

/** Per-part and composite SHA-256s, by upload id and by key. */
export class PartChecksumLedger {
  private readonly parts = new Map<string, Map<number, string>>();
  private readonly objects = new Map<string, string>();

  /** A part S3 accepted: with its checksum, or none (which drops one an earlier attempt had). */
  partStored(uploadId: string, partNumber: number, checksum: string | undefined): void {
    const parts = this.parts.get(uploadId) ?? new Map<number, string>();
    if (checksum === undefined) parts.delete(partNumber);
    else parts.set(partNumber, checksum);
    if (parts.size > 0) this.parts.set(uploadId, parts);
    else this.parts.delete(uploadId);
  }

  /**
   * Checks a CompleteMultipartUpload body against the parts' checksums and answers the object's
   * composite checksum, or undefined when the upload's parts carry none.
   */
  completion(uploadId: string, xml: string): string | undefined {
    const stored = this.parts.get(uploadId);
    if (!stored) return undefined;
    const listed = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part = '']) => ({
      partNumber: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(part)?.[1]),
      checksum: /<ChecksumSHA256>\s*([^<\s]+)\s*<\/ChecksumSHA256>/.exec(part)?.[1],
    }));
    const digests: Buffer[] = [];
    for (const { partNumber, checksum } of listed) {
      if (checksum === undefined || stored.get(partNumber) !== checksum) {
        throw new S3ErrorAnswer(
          400,
          'InvalidPart',
          'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag or checksum may not match the part’s.',
        );
      }
      digests.push(Buffer.from(checksum, 'base64'));
    }
    return `${createHash('sha256').update(Buffer.concat(digests)).digest('base64')}-${listed.length}`;
  }

  /** The upload became the object under `key` (or was aborted: no key). */
  uploadEnded(uploadId: string, key?: string, composite?: string): void {
    this.parts.delete(uploadId);
    if (key !== undefined && composite !== undefined) this.objects.set(key, composite);
  }

  /** The object under `key` was replaced or deleted. */
  objectGone(key: string): void {
    this.objects.delete(key);
  }

  /** The checksum headers S3 adds to HEAD and GET when asked for them. */
  headersFor(key: string | undefined, checksumMode: string | undefined): Record<string, string> {
    const composite = key === undefined ? undefined : this.objects.get(key);
    if (composite === undefined || checksumMode?.toUpperCase() !== 'ENABLED') return {};
    return { 'x-amz-checksum-sha256': composite, 'x-amz-checksum-type': 'COMPOSITE' };
  }
}
