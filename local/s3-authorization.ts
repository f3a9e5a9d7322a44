/**
 * What IAM decides about an S3 request signed with a role session: the S3 action and resource
 * the request is, its condition context, and the offline IAM simulator's verdict over the
 * session's role policies and the bucket policy, all synthesized from the CDK app.
 *
 * Actions follow https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html;
 * condition keys https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policy-s3-sigv4-conditions.html
 * and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { LocalPolicies } from './policies';
import type { RoleSessionRecord } from './sts-stand-in';

/** The S3 operation a request is, for IAM. */
export interface S3Operation {
  /** e.g. `s3:GetObject`; `undefined` for requests local S3 does not serve to sessions. */
  readonly action: string | undefined;
  readonly resourceArn: string;
  /** Condition keys that come from the request itself (`s3:prefix`, `s3:x-amz-acl`…). */
  readonly requestContext: Readonly<Record<string, string | string[]>>;
  /** Whether the object's existing tags matter (`s3:ExistingObjectTag/<key>`). */
  readonly objectLevel: boolean;
}

/** A parsed request, as far as choosing the action goes. */
export interface S3RequestShape {
  readonly method: string;
  readonly bucket: string;
  /** Decoded object key; `undefined` for bucket-level requests. */
  readonly key: string | undefined;
  readonly query: ReadonlyMap<string, string>;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The action, resource and request-borne context keys of a request. */
export function s3OperationOf(request: S3RequestShape): S3Operation {
  const { method, bucket, key, query, headers } = request;
  const has = (name: string) => query.has(name);
  if (key === undefined) {
    const listing: Record<string, string> = { 's3:prefix': query.get('prefix') ?? '' };
    if (query.has('delimiter')) listing['s3:delimiter'] = query.get('delimiter') ?? '';
    if (query.has('max-keys')) listing['s3:max-keys'] = query.get('max-keys') ?? '';
    const action =
      method === 'GET' && has('uploads')
        ? 's3:ListBucketMultipartUploads'
        : method === 'GET' && has('versions')
          ? 's3:ListBucketVersions'
          : method === 'GET' && has('location')
            ? 's3:GetBucketLocation'
            : (method === 'GET' || method === 'HEAD') && [...query.keys()].every((name) => LIST_PARAMETERS.has(name))
              ? 's3:ListBucket'
              : undefined;
    return { action, resourceArn: `arn:aws:s3:::${bucket}`, requestContext: action === 's3:ListBucket' ? listing : {}, objectLevel: false };
  }
  const resourceArn = `arn:aws:s3:::${bucket}/${key}`;
  const tagging = has('tagging');
  const action = (() => {
    switch (method) {
      case 'GET':
      case 'HEAD':
        if (has('uploadId')) return 's3:ListMultipartUploadParts';
        if (tagging) return 's3:GetObjectTagging';
        if (has('acl')) return 's3:GetObjectAcl';
        if (has('attributes')) return 's3:GetObjectAttributes';
        return has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject';
      case 'PUT':
        if (tagging) return 's3:PutObjectTagging';
        if (has('acl')) return 's3:PutObjectAcl';
        if (has('retention') || has('legal-hold')) return undefined;
        return 's3:PutObject';
      case 'POST':
        return has('uploads') || has('uploadId') ? 's3:PutObject' : undefined;
      case 'DELETE':
        if (has('uploadId')) return 's3:AbortMultipartUpload';
        if (tagging) return 's3:DeleteObjectTagging';
        return has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject';
      default:
        return undefined;
    }
  })();
  const requestContext: Record<string, string | string[]> = {};
  for (const name of [
    'x-amz-acl',
    'x-amz-copy-source',
    'x-amz-metadata-directive',
    'x-amz-server-side-encryption',
    'x-amz-storage-class',
    'x-amz-website-redirect-location',
  ]) {
    const value = headers[name];
    if (value !== undefined) requestContext[`s3:${name}`] = value;
  }
  const tags = headers['x-amz-tagging'];
  if (tags !== undefined) {
    const parsed = new URLSearchParams(tags);
    for (const [tagKey, value] of parsed) requestContext[`s3:RequestObjectTag/${tagKey}`] = value;
    requestContext['s3:RequestObjectTagKeys'] = [...parsed.keys()];
  }
  for (const name of ['if-none-match', 'if-match'] as const) {
    const value = headers[name];
    if (value !== undefined && method === 'PUT') requestContext[`s3:${name}`] = value;
  }
  return { action, resourceArn, requestContext, objectLevel: action !== undefined && !tagging };
}

const LIST_PARAMETERS = new Set([
  'list-type',
  'prefix',
  'delimiter',
  'max-keys',
  'continuation-token',
  'start-after',
  'encoding-type',
  'fetch-owner',
  'marker',
]);

/** The request's transport and signature, for the global and S3 signature condition keys. */
export interface SignedRequestFacts {
  readonly authType: 'REST-HEADER' | 'REST-QUERY-STRING';
  /** Milliseconds since it was signed. */
  readonly signatureAgeMs: number;
  readonly payloadHash: string;
  readonly sourceIp: string;
  readonly now: number;
  /** The object's tags, when the operation is object-level and the policies look at them. */
  readonly existingObjectTags?: Readonly<Record<string, string>>;
}

/** What IAM decided, and why, in the simulator's words. */
export interface Decision {
  readonly allowed: boolean;
  readonly result: string;
}

/** Whether any policy looks at the object's existing tags (then the caller fetches them). */
export function policiesReadObjectTags(policies: LocalPolicies): boolean {
  return JSON.stringify(policies).includes('s3:ExistingObjectTag/');
}

const policyTexts = new WeakMap<LocalPolicies, Map<string, string>>();

/** The lower-cased text of a role's policies and the bucket policy, where condition keys and variables are named. */
function policyText(policies: LocalPolicies, roleArn: string): string {
  let texts = policyTexts.get(policies);
  if (!texts) {
    texts = new Map();
    policyTexts.set(policies, texts);
  }
  let text = texts.get(roleArn);
  if (text === undefined) {
    const role = policies.roles.find((candidate) => candidate.arn === roleArn);
    text = JSON.stringify([role?.policies, policies.bucketPolicy]).toLowerCase();
    texts.set(roleArn, text);
  }
  return text;
}

/** Evaluates a request of `session` against its role's policies and the bucket policy. */
export async function authorizeS3Request(
  policies: LocalPolicies,
  session: RoleSessionRecord,
  operation: S3Operation,
  facts: SignedRequestFacts,
): Promise<Decision> {
  const role = policies.roles.find((candidate) => candidate.arn === session.roleArn);
  if (!role || !operation.action) return { allowed: false, result: 'ImplicitlyDenied' };
  const contextVariables: Record<string, string | string[]> = {
    ...Object.fromEntries(Object.entries(session.tags).map(([key, value]) => [`aws:PrincipalTag/${key}`, value])),
    'aws:PrincipalTagKeys': Object.keys(session.tags),
    'aws:PrincipalArn': session.roleArn,
    'aws:PrincipalAccount': policies.account,
    'aws:PrincipalType': 'AssumedRole',
    'aws:userid': `AROALOCAL:${session.sessionName}`,
    'aws:SourceIp': facts.sourceIp,
    'aws:CurrentTime': new Date(facts.now).toISOString(),
    'aws:EpochTime': String(Math.floor(facts.now / 1000)),
    'aws:TokenIssueTime': new Date(session.expiresAt - role.maxSessionSeconds * 1000).toISOString(),
    'aws:ViaAWSService': 'false',
    // Local S3 is plain HTTP on loopback; the deployed bucket refuses anything but TLS 1.2+, and a
    // URL we hand out always names https there. Evaluating as TLS asks: would AWS allow this request
    // as our clients really send it? (The TLS-only statements themselves are proven by the IAM tests.)
    'aws:SecureTransport': 'true',
    's3:TlsVersion': '1.3',
    's3:authType': facts.authType,
    's3:signatureversion': 'AWS4-HMAC-SHA256',
    's3:signatureAge': String(Math.max(0, facts.signatureAgeMs)),
    's3:x-amz-content-sha256': facts.payloadHash,
    ...operation.requestContext,
    ...Object.fromEntries(Object.entries(facts.existingObjectTags ?? {}).map(([key, value]) => [`s3:ExistingObjectTag/${key}`, value])),
  };
  // A key no policy names cannot change the decision: passing only the named ones is exact, and
  // the simulator's cost grows with every key it is given.
  const named = policyText(policies, role.arn) + JSON.stringify(session.sessionPolicy ?? '').toLowerCase();
  const relevant = Object.fromEntries(Object.entries(contextVariables).filter(([key]) => named.includes(key.toLowerCase())));
  const result = await runSimulation(
    {
      identityPolicies: role.policies.map((policy) => ({ name: policy.name, policy: policy.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policies.bucketPolicy,
      // IP-bound sessions: the session policy intersects the role's, as in IAM.
      ...(session.sessionPolicy !== undefined && { sessionPolicy: session.sessionPolicy }),
      request: {
        principal: session.assumedRoleArn,
        action: operation.action,
        resource: { resource: operation.resourceArn, accountId: policies.account },
        contextVariables: relevant,
      },
    },
    {},
  );
  if (result.resultType === 'error') return { allowed: false, result: `error ${JSON.stringify(result.errors)}` };
  return { allowed: result.overallResult === 'Allowed', result: String(result.overallResult) };
}
