/**
 * Plans: the limits a user gets, chosen by their Cognito groups (the `cognito:groups` claim).
 * A user in no planned group gets the default plan; a user in several gets the first plan listed
 * in the settings (object keys keep their order; group names that look like integers would not,
 * so the schema refuses them).
 */
import * as v from 'valibot';
import { S3_LIMITS } from '../../contract/constants';
import { wholeNumber } from './whole-number';

const GiB = 1024 * 1024 * 1024;

/** The default plan's limits: room for a person's documents and photos, and a human's pace. */
export const DEFAULT_PLAN_LIMITS = {
  storageQuotaBytes: 10 * GiB,
  maxFiles: 1000,
  // Bounded by `maxUploadBytes` as well: by default that setting alone decides.
  maxFileBytes: S3_LIMITS.maxObjectBytes,
  uploadUrlsPerMinute: 60,
  downloadUrlsPerMinute: 300,
  maxPendingUploads: 20,
  maxDownloadUrlTtlSeconds: 3300,
};

/** One plan's limits; every field defaults to the default plan's. */
export const PlanLimitsSchema = v.strictObject({
  storageQuotaBytes: v.optional(wholeNumber('storageQuotaBytes', 0, Number.MAX_SAFE_INTEGER), DEFAULT_PLAN_LIMITS.storageQuotaBytes),
  // Stored files are counted on their records, not in the usage item: nothing but a counter bounds them.
  maxFiles: v.optional(wholeNumber('maxFiles', 0, Number.MAX_SAFE_INTEGER), DEFAULT_PLAN_LIMITS.maxFiles),
  maxFileBytes: v.optional(wholeNumber('maxFileBytes', 1, S3_LIMITS.maxObjectBytes), DEFAULT_PLAN_LIMITS.maxFileBytes),
  uploadUrlsPerMinute: v.optional(wholeNumber('uploadUrlsPerMinute', 1, 100_000), DEFAULT_PLAN_LIMITS.uploadUrlsPerMinute),
  downloadUrlsPerMinute: v.optional(wholeNumber('downloadUrlsPerMinute', 1, 100_000), DEFAULT_PLAN_LIMITS.downloadUrlsPerMinute),
  // The usage item holds one entry (about 45 bytes) per pending upload, and every reservation
  // writes the whole item: this bound keeps it under 50 KB, the default (20) near 1 KB.
  maxPendingUploads: v.optional(wholeNumber('maxPendingUploads', 1, 1000), DEFAULT_PLAN_LIMITS.maxPendingUploads),
  maxDownloadUrlTtlSeconds: v.optional(wholeNumber('maxDownloadUrlTtlSeconds', 60, 3540), DEFAULT_PLAN_LIMITS.maxDownloadUrlTtlSeconds),
});

/** A plan's limits, defaults applied. */
export type PlanLimits = v.InferOutput<typeof PlanLimitsSchema>;

/** Named plans by Cognito group, in priority order. */
export const NamedPlansSchema = v.record(
  v.pipe(
    v.string(),
    v.regex(/^[A-Za-z_][\w+=,.@-]{0,127}$/, 'plans: each key must be a Cognito group name that starts with a letter or _'),
  ),
  PlanLimitsSchema,
  'plans must map Cognito group names to plan limits',
);

/** A plan as a request applies it. */
export interface Plan extends PlanLimits {
  /** `default`, or the group that selected it. */
  readonly name: string;
}

/**
 * The groups of a `cognito:groups` claim. API Gateway's JWT authorizer hands list claims to the
 * function as one string, `[admins pro]`; a list is taken as it is.
 */
export function groupsOfClaim(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((group): group is string => typeof group === 'string');
  if (typeof claim !== 'string') return [];
  return claim
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

/** The plan of a user in `groups`: the first named plan one of them selects, else the default. */
export function planFor(
  settings: { defaultPlan: PlanLimits; plans: Readonly<Record<string, PlanLimits>> },
  groups: readonly string[],
): Plan {
  const name = Object.keys(settings.plans).find((group) => groups.includes(group));
  const limits = name === undefined ? undefined : settings.plans[name];
  return name !== undefined && limits ? { name, ...limits } : { name: 'default', ...settings.defaultPlan };
}
