/**
 * The function registry: every deployed function, declared once. The construct builds each
 * one (function, execution role, signing role with exactly these grants), the API routes come
 * from the contract's `ROUTES`, local mode imports each handler from `entry`, and the alarms and
 * dashboard rows follow the same list. Adding a function is an entry here plus its handler file.
 *
 * Free of aws-cdk-lib so local mode can read it without loading the CDK.
 */
import type { ApiFunctionName } from '../contract/routes';

/** What a grant applies to; the construct turns each into ARNs and conditions. */
export type GrantTarget =
  /** `users/${aws:PrincipalTag/userId}/*`: the caller's own objects. */
  | 'ownObjects'
  /** The caller's own objects, or every user's when read access is `authenticated`. */
  | 'readableObjects'
  /** The bucket itself, only with `s3:prefix` under the caller's own prefix (listing). */
  | 'ownPrefixListing';

/** One statement of a signing role's policy: what its URLs may ever do. */
export interface SigningGrant {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly on: GrantTarget;
}

/** A deployed function of the service. */
export interface FunctionDefinition {
  /** Its construct id: part of every logical id below it, so it never changes once deployed. */
  readonly id: string;
  /** The handler file, under `lambdas/`. */
  readonly entry: string;
  /** Shown in the console. */
  readonly description: string;
  /** What invokes it: an API route (`ROUTES`), or the object-event queue. */
  readonly trigger: 'api' | 'queue';
  /** What the role whose per-user sessions sign this function's URLs may do: all its URLs can ever do. */
  readonly signingGrants: readonly SigningGrant[];
}

/**
 * Memory and timeout of every function. 512 MB buys the CPU share that keeps signing under a
 * millisecond at little cost (Lambda bills by GB-second; `npm run bench` has the figures); 10 s is
 * a third of API Gateway's 30 s integration limit, far above what signing takes, and what bounds a
 * hung dependency.
 */
export const FUNCTION_DEFAULTS = { memorySizeMb: 512, timeoutSeconds: 10 } as const;

/** Every function the API routes to, by the name `ROUTES` gives it. */
export const FUNCTIONS = {
  uploads: {
    id: 'Uploads',
    entry: 'uploads.ts',
    description: 'Signs upload URLs as the UploaderRole',
    trigger: 'api',
    signingGrants: [
      {
        sid: 'WriteOwnObjects',
        // PutObject covers CreateMultipartUpload, UploadPart and CompleteMultipartUpload; ListMultipartUploadParts
        // proves an upload exists before its parts are re-signed.
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        on: 'ownObjects',
      },
    ],
  },
  downloads: {
    id: 'Downloads',
    entry: 'downloads.ts',
    description: 'Signs download URLs and lists files as the ReaderRole',
    trigger: 'api',
    signingGrants: [
      { sid: 'ReadObjects', actions: ['s3:GetObject'], on: 'readableObjects' },
      { sid: 'ListOwnPrefix', actions: ['s3:ListBucket'], on: 'ownPrefixListing' },
    ],
  },
  // RUNTIME's minimal entries (issue 12): INFRA's registry replaces them with their grants and triggers.
  deletes: {
    id: 'Deletes',
    entry: 'deletes.ts',
    description: "Deletes the caller's files as the DeleterRole",
    trigger: 'api',
    signingGrants: [{ sid: 'DeleteOwnObjects', actions: ['s3:DeleteObject'], on: 'ownObjects' }],
  },
  health: { id: 'Health', entry: 'health.ts', description: 'Answers GET /health', trigger: 'api', signingGrants: [] },
  verifier: {
    id: 'Verifier',
    entry: 'verifier.ts',
    description: 'Verifies uploaded bytes and tags objects',
    trigger: 'queue',
    signingGrants: [],
  },
} as const satisfies Record<ApiFunctionName | 'verifier', FunctionDefinition>;

/** A deployed function's name. */
export type FunctionName = keyof typeof FUNCTIONS;

/** The registry's names, in declaration order. */
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];
