/**
 * How a large file is cut into parts. Derived from its size alone, so every call of an
 * upload (create, more part URLs, complete) computes the same plan without storing it.
 */
import { S3_LIMITS } from '../../contract/constants';

const MiB = 1024 * 1024;

/** Smallest part we plan: above S3's 5 MiB floor, large enough that a browser is not mostly waiting on request overhead. */
export const MIN_PART_BYTES = 8 * MiB;

/** A multipart upload's parts. */
export interface PartPlan {
  readonly size: number;
  /** Every part's length but the last one's. */
  readonly partSize: number;
  readonly partCount: number;
}

/** Parts of at least 8 MiB, whole MiB, and few enough for S3's 10,000-part limit. */
export function planParts(size: number): PartPlan {
  const fewestMiB = Math.ceil(size / S3_LIMITS.maxParts / MiB) * MiB;
  const partSize = Math.max(MIN_PART_BYTES, fewestMiB);
  return { size, partSize, partCount: Math.ceil(size / partSize) };
}

/** The exact length of part `partNumber` (1-based): what its URL signs as `content-length`. */
export function partLength(plan: PartPlan, partNumber: number): number {
  return partNumber < plan.partCount ? plan.partSize : plan.size - (plan.partCount - 1) * plan.partSize;
}
