/**
 * Least privilege, proven: the synthesized policies are evaluated offline by an IAM simulator
 * for every role × request × prefix × the object's status tag, and the trust policies for every
 * caller. The simulator passes a context key only to the actions S3 gives it to (as S3 does):
 * `s3:ExistingObjectTag/status` reaches GetObject and the tagging actions, never PutObject or
 * DeleteObject; `s3:RequestObjectTagKeys` reaches PutObject and PutObjectTagging.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Template } from 'aws-cdk-lib/assertions';
import { sourceIpSessionPolicy } from '../../lambdas/shared/session-policy';
import { sessionsIssuedBeforeDeny, suspendedUserBucketDenies } from '../../lib/operations/emergency-denies';
import { ALICE, BOB } from '../builders';
import { resourceOf, templateOf } from './synth';

const ACCOUNT = '111122223333';
const BUCKET = 'secure-files-bucket';

type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';
type Policy = { Version: string; Statement: unknown[] };

/** Replaces CloudFormation intrinsics with concrete values, as a deployment would. */
function resolve(value: unknown, names: Record<string, string>, arns: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, names, arns));
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return names[object.Ref as string] ?? `unresolved:${String(object.Ref)}`;
    if ('Fn::GetAtt' in object) return arns[(object['Fn::GetAtt'] as string[])[0] ?? ''] ?? 'unresolved:GetAtt';
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return (resolve(parts, names, arns) as string[]).join(separator);
    }
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, resolve(item, names, arns)]));
  }
  return value;
}

/** The roles simulated: the three signing roles (one session per user) and every function's execution role. */
const ROLE_PREFIXES = {
  uploader: 'FileServiceUploadsSigningRole',
  reader: 'FileServiceDownloadsSigningRole',
  deleter: 'FileServiceDeletesSigningRole',
  uploadsFunction: 'FileServiceUploadsExecutionRole',
  downloadsFunction: 'FileServiceDownloadsExecutionRole',
  deletesFunction: 'FileServiceDeletesExecutionRole',
  healthFunction: 'FileServiceHealthExecutionRole',
  verifierFunction: 'FileServiceVerifierExecutionRole',
} as const;
type Role = keyof typeof ROLE_PREFIXES;
const ROLES = Object.keys(ROLE_PREFIXES) as Role[];
const SIGNING_ROLES: readonly Role[] = ['uploader', 'reader', 'deleter'];

/** The deployed policies of a synthesized template, with concrete ARNs. */
function deployedPolicies(template: Template) {
  const bucket = resourceOf(template, 'AWS::S3::Bucket', 'FileServiceBucketFiles');
  const table = resourceOf(template, 'AWS::DynamoDB::Table', 'FileServiceTableRecords');
  const roleIds = Object.fromEntries(ROLES.map((role) => [role, resourceOf(template, 'AWS::IAM::Role', ROLE_PREFIXES[role]).id])) as Record<
    Role,
    string
  >;
  const arns: Record<string, string> = {
    [bucket.id]: `arn:aws:s3:::${BUCKET}`,
    [table.id]: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/records`,
  };
  for (const [name, id] of Object.entries(roleIds)) arns[id] = `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const names = { [bucket.id]: BUCKET };
  const roles = template.findResources('AWS::IAM::Role');
  const attached = Object.values(template.findResources('AWS::IAM::Policy'));
  // Every statement the role holds: inline in the role (signing roles) and in the policies attached to it (execution roles).
  const identityPolicy = (id: string): Policy => ({
    Version: '2012-10-17',
    Statement: [
      ...(roles[id]?.Properties.Policies ?? []).flatMap((policy: { PolicyDocument: Policy }) => policy.PolicyDocument.Statement),
      ...attached
        .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: id }]))
        .flatMap((policy) => (policy.Properties.PolicyDocument as Policy).Statement),
    ].map((statement) => resolve(statement, names, arns)),
  });
  const trustPolicy = (id: string) => resolve(roles[id]?.Properties.AssumeRolePolicyDocument, names, arns) as Policy;
  const bucketPolicy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
    (policy) => policy.Properties.Bucket.Ref === bucket.id,
  )?.Properties.PolicyDocument;
  return {
    arns: Object.fromEntries(ROLES.map((role) => [role, arns[roleIds[role]] ?? ''])) as Record<Role, string>,
    identity: Object.fromEntries(ROLES.map((role) => [role, identityPolicy(roleIds[role])])) as Record<Role, Policy>,
    trust: Object.fromEntries(SIGNING_ROLES.map((role) => [role, trustPolicy(roleIds[role])])) as Record<Role, Policy>,
    bucketPolicy: resolve(bucketPolicy, names, arns) as Policy,
  };
}

/** What S3 sees for a presigned request over TLS, signed `ageMs` ago with SigV4 by a session of Alice's. */
function presignedRequestContext(ageMs = 1000, overrides: Record<string, string> = {}) {
  return {
    'aws:PrincipalTag/userId': ALICE,
    'aws:SecureTransport': 'true',
    's3:authType': 'REST-QUERY-STRING',
    's3:signatureAge': String(ageMs),
    's3:signatureversion': 'AWS4-HMAC-SHA256',
    's3:TlsVersion': '1.3',
    ...overrides,
  };
}

/** What S3 sees for a function's own SDK call: signed in the header, over TLS, by an untagged session. */
const SDK_REQUEST_CONTEXT = {
  'aws:SecureTransport': 'true',
  's3:authType': 'REST-HEADER',
  's3:signatureversion': 'AWS4-HMAC-SHA256',
  's3:TlsVersion': '1.3',
};

async function decide(simulation: Parameters<typeof runSimulation>[0]): Promise<Decision> {
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

type Prefix = 'own prefix' | "another user's prefix" | 'outside users/';
const PREFIXES: Record<Prefix, string> = {
  'own prefix': `users/${ALICE}/`,
  "another user's prefix": `users/${BOB}/`,
  'outside users/': 'public/',
};

/** The object's status tag as it stands when the request arrives (S3 passes it only to the actions that support it). */
type TagState = 'untagged' | 'available' | 'rejected';
const TAG_STATES: Record<TagState, Record<string, string>> = {
  untagged: {},
  available: { 's3:ExistingObjectTag/status': 'available' },
  rejected: { 's3:ExistingObjectTag/status': 'rejected' },
};

/** Each request: its IAM action and what it carries (`+tags`: a PUT with `x-amz-tagging`; tagging: the tag set sent). */
const SETS_STATUS_AVAILABLE = { 's3:RequestObjectTagKeys': ['status'], 's3:RequestObjectTag/status': 'available' };
const REQUESTS: Record<string, { action: string; context?: Record<string, string | string[]> }> = {
  's3:PutObject': { action: 's3:PutObject' },
  's3:PutObject+tags': { action: 's3:PutObject', context: SETS_STATUS_AVAILABLE },
  's3:GetObject': { action: 's3:GetObject' },
  's3:GetObjectVersion': { action: 's3:GetObjectVersion' },
  's3:DeleteObject': { action: 's3:DeleteObject' },
  's3:DeleteObjectVersion': { action: 's3:DeleteObjectVersion' },
  's3:GetObjectTagging': { action: 's3:GetObjectTagging' },
  's3:PutObjectTagging': { action: 's3:PutObjectTagging', context: SETS_STATUS_AVAILABLE },
  's3:DeleteObjectTagging': { action: 's3:DeleteObjectTagging' },
  's3:ListBucket': { action: 's3:ListBucket' },
  's3:AbortMultipartUpload': { action: 's3:AbortMultipartUpload' },
  's3:ListMultipartUploadParts': { action: 's3:ListMultipartUploadParts' },
  's3:PutObjectAcl': { action: 's3:PutObjectAcl' },
};
type Request = keyof typeof REQUESTS;

/** `role` (for a signing role, a session of Alice's) makes `request` on an object under `prefix` whose tag is `tag`. */
async function s3Decision(
  policies: ReturnType<typeof deployedPolicies>,
  role: Role,
  request: Request,
  prefix: string,
  tag: TagState,
  context: Record<string, string | string[]> = SIGNING_ROLES.includes(role) ? presignedRequestContext() : SDK_REQUEST_CONTEXT,
) {
  const { action, context: carried } = REQUESTS[request] ?? { action: request };
  const listing = action === 's3:ListBucket';
  return decide({
    identityPolicies: [{ name: role, policy: policies.identity[role] }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policies.bucketPolicy,
    request: {
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${SIGNING_ROLES.includes(role) ? `u-${ALICE}` : 'function'}`,
      action,
      resource: {
        resource: listing ? `arn:aws:s3:::${BUCKET}` : `arn:aws:s3:::${BUCKET}/${prefix}0f8fad5b-d9cb-469f-a165-70867728950e/a.jpg`,
        accountId: ACCOUNT,
      },
      contextVariables: { ...context, ...TAG_STATES[tag], ...carried, ...(listing && { 's3:prefix': prefix }) },
    },
  });
}

const EVERY_PREFIX = Object.keys(PREFIXES) as Prefix[];
const EVERY_TAG_STATE = Object.keys(TAG_STATES) as TagState[];

/** The cells of `role` × `requests` × `prefixes` × `tags`. */
function cells(role: Role, requests: Request[], prefixes: Prefix[], tags: TagState[] = EVERY_TAG_STATE): string[] {
  return requests.flatMap((request) => prefixes.flatMap((prefix) => tags.map((tag) => `${role} ${request} ${prefix} ${tag}`)));
}

/** The table as designed: only these cells are allowed; every other one is denied. */
const ALLOWED_OWNER_READ = new Set([
  // The uploader writes its own objects (S3 never looks at an existing tag for these), but never with tags.
  ...cells('uploader', ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], ['own prefix']),
  // To find the object a completion made when its retry meets 412 or NoSuchUpload: listed, never read.
  ...cells('uploader', ['s3:ListBucket'], ['own prefix']),
  // The reader reads its own objects once the verifier has tagged them available, and nothing else.
  ...cells('reader', ['s3:GetObject'], ['own prefix'], ['available']),
  // The deleter deletes its own objects, whatever their state: a pending or rejected file may be deleted too.
  ...cells('deleter', ['s3:DeleteObject'], ['own prefix']),
  // The verifier reads and tags every user's objects, and only those.
  ...cells('verifierFunction', ['s3:GetObject', 's3:GetObjectTagging', 's3:PutObjectTagging'], ['own prefix', "another user's prefix"]),
  // The health check's HeadBucket is authorized as ListBucket on the bucket: it can list, whatever the prefix.
  ...cells('healthFunction', ['s3:ListBucket'], EVERY_PREFIX),
]);
const ALLOWED_AUTHENTICATED_READ = new Set([
  ...ALLOWED_OWNER_READ,
  ...cells('reader', ['s3:GetObject'], ["another user's prefix"], ['available']),
]);

function table(allowed: Set<string>) {
  return ROLES.flatMap((role) =>
    Object.keys(REQUESTS).flatMap((request) =>
      EVERY_PREFIX.flatMap((prefix) =>
        EVERY_TAG_STATE.map((tag) => {
          const expected = allowed.has(`${role} ${request} ${prefix} ${tag}`) ? 'Allowed' : 'denied';
          return [role.padEnd(17), request.padEnd(28), prefix.padEnd(22), tag.padEnd(9), expected] as const;
        }),
      ),
    ),
  );
}

const OWNER_READ_TABLE = table(ALLOWED_OWNER_READ);
const AUTHENTICATED_READ_TABLE = table(ALLOWED_AUTHENTICATED_READ);

describe(`every role × request × prefix × tag state, read access owner (default): ${OWNER_READ_TABLE.length} cells`, () => {
  const policies = deployedPolicies(templateOf());

  it.each(OWNER_READ_TABLE)('%s %s %s %s → %s', async (role, request, prefix, tag, expected) => {
    const decision = await s3Decision(
      policies,
      role.trim() as Role,
      request.trim(),
      PREFIXES[prefix.trim() as Prefix],
      tag.trim() as TagState,
    );

    expect(decision === 'Allowed' ? 'Allowed' : 'denied').toBe(expected);
  });
});

describe(`every role × request × prefix × tag state, read access authenticated: ${AUTHENTICATED_READ_TABLE.length} cells`, () => {
  const policies = deployedPolicies(templateOf({ readAccess: 'authenticated' }));

  it.each(AUTHENTICATED_READ_TABLE)('%s %s %s %s → %s', async (role, request, prefix, tag, expected) => {
    const decision = await s3Decision(
      policies,
      role.trim() as Role,
      request.trim(),
      PREFIXES[prefix.trim() as Prefix],
      tag.trim() as TagState,
    );

    expect(decision === 'Allowed' ? 'Allowed' : 'denied').toBe(expected);
  });
});

describe('the uploader’s tag denies', () => {
  const policies = deployedPolicies(templateOf());
  const own = PREFIXES['own prefix'];

  it.each([
    ['a PUT with x-amz-tagging', 's3:PutObject+tags'],
    ['tagging its own object', 's3:PutObjectTagging'],
  ] as const)('refuse %s explicitly, so no allow added later can lift it', async (_, request) => {
    expect(await s3Decision(policies, 'uploader', request, own, 'untagged')).toBe('ExplicitlyDenied');
  });

  it('let a PUT without tags through on the same object', async () => {
    expect(await s3Decision(policies, 'uploader', 's3:PutObject', own, 'untagged')).toBe('Allowed');
  });
});

describe('the bucket policy', () => {
  const policies = deployedPolicies(templateOf());
  const own = PREFIXES['own prefix'];

  it.each([
    ['a presigned URL signed 56 minutes ago (the longest lifetime plus margin)', 'Allowed', presignedRequestContext(3_360_000)],
    ['a presigned URL signed one second later than that', 'ExplicitlyDenied', presignedRequestContext(3_361_000)],
    ['a request without TLS', 'ExplicitlyDenied', presignedRequestContext(1000, { 'aws:SecureTransport': 'false' })],
    ['a request over TLS 1.1', 'ExplicitlyDenied', presignedRequestContext(1000, { 's3:TlsVersion': '1.1' })],
    ['a request signed with Signature Version 2', 'ExplicitlyDenied', presignedRequestContext(1000, { 's3:signatureversion': 'AWS' })],
  ])('an otherwise allowed read by %s → %s', async (_, expected, context) => {
    expect(await s3Decision(policies, 'reader', 's3:GetObject', own, 'available', context)).toBe(expected);
  });
});

describe('trust: who may assume a signing role', () => {
  const policies = deployedPolicies(templateOf());

  async function assume(role: Role, caller: string, action: 'sts:AssumeRole' | 'sts:TagSession', tags: Record<string, string>) {
    return decide({
      // The caller's own identity policy allows it; the question is what the role's trust policy says.
      identityPolicies: [
        { name: 'caller', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] } },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policies.trust[role],
      request: {
        principal: caller,
        action,
        resource: { resource: policies.arns[role], accountId: ACCOUNT },
        contextVariables: {
          'aws:SecureTransport': 'true',
          ...Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:RequestTag/${key}`, value])),
          ...(Object.keys(tags).length > 0 && { 'aws:TagKeys': Object.keys(tags) }),
        },
      },
    });
  }

  const uploadsFunction = (): string => policies.arns.uploadsFunction;
  const downloadsFunction = (): string => policies.arns.downloadsFunction;
  const deletesFunction = (): string => policies.arns.deletesFunction;
  const verifierFunction = (): string => policies.arns.verifierFunction;

  it.each([
    ['uploader', 'its own function, with a userId tag', 'Allowed', uploadsFunction, { userId: ALICE }],
    ['uploader', 'its own function, without a tag', 'denied', uploadsFunction, {}],
    ['uploader', 'its own function, with an empty userId tag', 'denied', uploadsFunction, { userId: '' }],
    ['uploader', 'its own function, with an extra tag', 'denied', uploadsFunction, { userId: ALICE, admin: 'true' }],
    ['uploader', 'another function', 'denied', downloadsFunction, { userId: ALICE }],
    ['uploader', 'anyone else in the account', 'denied', (): string => `arn:aws:iam::${ACCOUNT}:role/someone`, { userId: ALICE }],
    ['reader', 'its own function, with a userId tag', 'Allowed', downloadsFunction, { userId: ALICE }],
    ['reader', 'another function', 'denied', uploadsFunction, { userId: ALICE }],
    ['deleter', 'its own function, with a userId tag', 'Allowed', deletesFunction, { userId: ALICE }],
    ['deleter', 'its own function, without a tag', 'denied', deletesFunction, {}],
    ['deleter', 'another function', 'denied', downloadsFunction, { userId: ALICE }],
    ['deleter', 'the verifier, which signs nothing', 'denied', verifierFunction, { userId: ALICE }],
  ] as const)('the %s role, assumed by %s → %s', async (role, _, expected, caller, tags) => {
    for (const action of ['sts:AssumeRole', 'sts:TagSession'] as const) {
      const decision = await assume(role, caller(), action, tags);
      expect(`${action} ${decision === 'Allowed' ? 'Allowed' : 'denied'}`).toBe(`${action} ${expected}`);
    }
  });
});

describe('the alarm topic policy (with alarmEmail)', () => {
  const template = templateOf({ alarmEmail: 'oncall@example.com' });
  const topicId = resourceOf(template, 'AWS::SNS::Topic', 'Alarms').id;
  const topicArn = `arn:aws:sns:eu-west-1:${ACCOUNT}:alarms`;
  const pseudo = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': ACCOUNT, [topicId]: topicArn };
  const topicPolicy = resolve(
    resourceOf(template, 'AWS::SNS::TopicPolicy', 'AlarmsPolicy').properties.PolicyDocument,
    pseudo,
    {},
  ) as Policy;
  const thisAccountsAlarm = `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:SecureFileService-SigningFailures-ABC123`;

  async function publish(principal: string, context: Record<string, string>): Promise<Decision> {
    return decide({
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: topicPolicy,
      request: {
        principal,
        action: 'sns:Publish',
        resource: { resource: topicArn, accountId: ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true', ...context },
      },
    });
  }

  it.each([
    [
      "CloudWatch, for this account's alarm",
      'Allowed',
      'cloudwatch.amazonaws.com',
      { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': thisAccountsAlarm },
    ],
    [
      "CloudWatch, for another account's alarm",
      'denied',
      'cloudwatch.amazonaws.com',
      { 'aws:SourceAccount': '444455556666', 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:444455556666:alarm:theirs' },
    ],
    [
      'CloudWatch, claiming this account for an alarm of another',
      'denied',
      'cloudwatch.amazonaws.com',
      { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:444455556666:alarm:theirs' },
    ],
    [
      'CloudWatch, for something other than an alarm',
      'denied',
      'cloudwatch.amazonaws.com',
      { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `arn:aws:cloudwatch::${ACCOUNT}:dashboard/x` },
    ],
    [
      'CloudWatch, without TLS',
      'denied',
      'cloudwatch.amazonaws.com',
      { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': thisAccountsAlarm, 'aws:SecureTransport': 'false' },
    ],
    ['another service', 'denied', 'events.amazonaws.com', { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': thisAccountsAlarm }],
    ['another account', 'denied', 'arn:aws:iam::444455556666:root', {}],
  ] as const)('sns:Publish by %s → %s', async (_, expected, principal, context) => {
    const decision = await publish(principal, context);

    expect(decision === 'Allowed' ? 'Allowed' : 'denied').toBe(expected);
  });
});

describe('security options in simulation', () => {
  const policies = deployedPolicies(templateOf());
  const aliceObject = `arn:aws:s3:::${BUCKET}/users/${ALICE}/0f8fad5b-d9cb-469f-a165-70867728950e/a.jpg`;
  const bobObject = `arn:aws:s3:::${BUCKET}/users/${BOB}/0f8fad5b-d9cb-469f-a165-70867728950e/a.jpg`;

  /** A presigned request of `sub`'s session of `role`, from `sourceIp`, with extra policies in play. */
  function signedRequest(options: {
    role: Role;
    action: string;
    resource: string;
    sub?: string;
    sourceIp?: string;
    sessionPolicy?: unknown;
    bucketPolicy?: Policy;
    extraIdentityStatements?: unknown[];
    context?: Record<string, string>;
  }) {
    const sub = options.sub ?? ALICE;
    return decide({
      identityPolicies: [
        { name: options.role, policy: policies.identity[options.role] },
        ...(options.extraIdentityStatements
          ? [{ name: 'emergency', policy: { Version: '2012-10-17', Statement: options.extraIdentityStatements } }]
          : []),
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: options.bucketPolicy ?? policies.bucketPolicy,
      ...(options.sessionPolicy !== undefined && { sessionPolicy: options.sessionPolicy }),
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${options.role}/u-${sub}`,
        action: options.action,
        resource: { resource: options.resource, accountId: ACCOUNT },
        contextVariables: {
          ...presignedRequestContext(1000, { 'aws:PrincipalTag/userId': sub }),
          'aws:SourceIp': options.sourceIp ?? '203.0.113.7',
          ...TAG_STATES.available,
          ...options.context,
        },
      },
    });
  }

  describe('an IP-bound session (bindUrlsToSourceIp)', () => {
    const bound = sourceIpSessionPolicy('203.0.113.7');

    it.each([
      ['reader', 's3:GetObject'],
      ['uploader', 's3:PutObject'],
    ] as const)('lets the %s URL work from the address it was bound to', async (role, action) => {
      await expect(signedRequest({ role, action, resource: aliceObject, sessionPolicy: bound })).resolves.toBe('Allowed');
    });

    it.each([
      ['reader', 's3:GetObject', '198.51.100.9'],
      ['uploader', 's3:PutObject', '198.51.100.9'],
      ['reader', 's3:GetObject', '2001:db8::7'],
    ] as const)('refuses the %s URL (%s) from another address, %s', async (role, action, sourceIp) => {
      await expect(signedRequest({ role, action, resource: aliceObject, sessionPolicy: bound, sourceIp })).resolves.toBe(
        'ImplicitlyDenied',
      );
    });

    it('still refuses what the role refuses from the bound address: another user’s prefix', async () => {
      await expect(signedRequest({ role: 'reader', action: 's3:GetObject', resource: bobObject, sessionPolicy: bound })).resolves.toBe(
        'ImplicitlyDenied',
      );
    });

    it('leaves an unbound session working from any address (the setting off)', async () => {
      await expect(
        signedRequest({ role: 'reader', action: 's3:GetObject', resource: aliceObject, sourceIp: '198.51.100.9' }),
      ).resolves.toBe('Allowed');
    });
  });

  describe("the emergency bucket-policy denies for a suspended user's URLs", () => {
    const withDenies: Policy = {
      ...policies.bucketPolicy,
      Statement: [...policies.bucketPolicy.Statement, ...suspendedUserBucketDenies(`arn:aws:s3:::${BUCKET}`, ALICE)],
    };

    it('refuses URLs the suspended user already holds', async () => {
      await expect(
        signedRequest({ role: 'reader', action: 's3:GetObject', resource: aliceObject, bucketPolicy: withDenies }),
      ).resolves.toBe('ExplicitlyDenied');
      await expect(
        signedRequest({ role: 'uploader', action: 's3:PutObject', resource: aliceObject, bucketPolicy: withDenies }),
      ).resolves.toBe('ExplicitlyDenied');
    });

    it("refuses others' URLs to the suspended user's files", async () => {
      const authenticated = deployedPolicies(templateOf({ readAccess: 'authenticated' }));
      const denies: Policy = {
        ...authenticated.bucketPolicy,
        Statement: [...authenticated.bucketPolicy.Statement, ...suspendedUserBucketDenies(`arn:aws:s3:::${BUCKET}`, ALICE)],
      };
      const bobReads = (bucketPolicy: Policy) =>
        decide({
          identityPolicies: [{ name: 'reader', policy: authenticated.identity.reader }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: bucketPolicy,
          request: {
            principal: `arn:aws:sts::${ACCOUNT}:assumed-role/reader/u-${BOB}`,
            action: 's3:GetObject',
            resource: { resource: aliceObject, accountId: ACCOUNT },
            contextVariables: { ...presignedRequestContext(1000, { 'aws:PrincipalTag/userId': BOB }), ...TAG_STATES.available },
          },
        });

      await expect(bobReads(authenticated.bucketPolicy)).resolves.toBe('Allowed');
      await expect(bobReads(denies)).resolves.toBe('ExplicitlyDenied');
    });

    it('leaves other users and the verifier alone (the blast radius is one user)', async () => {
      await expect(
        signedRequest({ role: 'reader', action: 's3:GetObject', resource: bobObject, sub: BOB, bucketPolicy: withDenies }),
      ).resolves.toBe('Allowed');
      await expect(
        s3Decision({ ...policies, bucketPolicy: withDenies }, 'verifierFunction', 's3:GetObject', PREFIXES['own prefix'], 'untagged'),
      ).resolves.toBe('Allowed');
    });
  });

  describe("revoking the signing roles' older sessions (aws:TokenIssueTime)", () => {
    const revokedAt = new Date('2026-11-23T10:00:00.000Z');
    const deny = [sessionsIssuedBeforeDeny(revokedAt)];

    it('refuses URLs signed by a session issued before the revocation, for every user', async () => {
      for (const sub of [ALICE, BOB]) {
        await expect(
          signedRequest({
            role: 'reader',
            action: 's3:GetObject',
            resource: sub === ALICE ? aliceObject : bobObject,
            sub,
            extraIdentityStatements: deny,
            context: { 'aws:TokenIssueTime': '2026-11-23T09:59:00.000Z' },
          }),
        ).resolves.toBe('ExplicitlyDenied');
      }
    });

    it('lets sessions issued after it sign again', async () => {
      await expect(
        signedRequest({
          role: 'reader',
          action: 's3:GetObject',
          resource: aliceObject,
          extraIdentityStatements: deny,
          context: { 'aws:TokenIssueTime': '2026-11-23T10:01:00.000Z' },
        }),
      ).resolves.toBe('Allowed');
    });
  });
});
