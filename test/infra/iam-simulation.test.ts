/**
 * Least privilege, proven: the synthesized policies are evaluated offline by an IAM simulator
 * for every role × action × prefix, and the trust policies for every caller.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Template } from 'aws-cdk-lib/assertions';
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

/** The deployed policies of a synthesized template, with concrete ARNs. */
function deployedPolicies(template: Template) {
  const bucket = resourceOf(template, 'AWS::S3::Bucket', 'FileServiceBucketFiles');
  const roleIds = {
    uploader: resourceOf(template, 'AWS::IAM::Role', 'FileServiceUploadsSigningRole').id,
    reader: resourceOf(template, 'AWS::IAM::Role', 'FileServiceDownloadsSigningRole').id,
    uploadsFunction: resourceOf(template, 'AWS::IAM::Role', 'FileServiceUploadsExecutionRole').id,
    downloadsFunction: resourceOf(template, 'AWS::IAM::Role', 'FileServiceDownloadsExecutionRole').id,
  };
  const arns: Record<string, string> = { [bucket.id]: `arn:aws:s3:::${BUCKET}` };
  for (const [name, id] of Object.entries(roleIds)) arns[id] = `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const names = { [bucket.id]: BUCKET };
  const roles = template.findResources('AWS::IAM::Role');
  const inlinePolicy = (id: string) => resolve(roles[id]?.Properties.Policies[0].PolicyDocument, names, arns) as Policy;
  const trustPolicy = (id: string) => resolve(roles[id]?.Properties.AssumeRolePolicyDocument, names, arns) as Policy;
  const bucketPolicy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
    (policy) => policy.Properties.Bucket.Ref === bucket.id,
  )?.Properties.PolicyDocument;
  return {
    arns: Object.fromEntries(Object.entries(roleIds).map(([name, id]) => [name, arns[id] ?? ''])) as Record<keyof typeof roleIds, string>,
    signing: { uploader: inlinePolicy(roleIds.uploader), reader: inlinePolicy(roleIds.reader) },
    trust: { uploader: trustPolicy(roleIds.uploader), reader: trustPolicy(roleIds.reader) },
    bucketPolicy: resolve(bucketPolicy, names, arns) as Policy,
  };
}

/** What S3 sees for a presigned request over TLS, signed `ageMs` ago with SigV4. */
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

async function decide(simulation: Parameters<typeof runSimulation>[0]): Promise<Decision> {
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

type Role = 'uploader' | 'reader';
type Prefix = 'own prefix' | "another user's prefix" | 'outside users/';
const PREFIXES: Record<Prefix, string> = {
  'own prefix': `users/${ALICE}/`,
  "another user's prefix": `users/${BOB}/`,
  'outside users/': 'public/',
};
const ACTIONS = [
  's3:PutObject',
  's3:GetObject',
  's3:DeleteObject',
  's3:ListBucket',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
  's3:PutObjectAcl',
] as const;

/** A signing role session of Alice's asks S3 to do `action` under `prefix`. */
async function s3Decision(
  policies: ReturnType<typeof deployedPolicies>,
  role: Role,
  action: string,
  prefix: string,
  context = presignedRequestContext(),
) {
  const listing = action === 's3:ListBucket';
  return decide({
    identityPolicies: [{ name: role, policy: policies.signing[role] }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policies.bucketPolicy,
    request: {
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/u-${ALICE}`,
      action,
      resource: {
        resource: listing ? `arn:aws:s3:::${BUCKET}` : `arn:aws:s3:::${BUCKET}/${prefix}0f8fad5b-d9cb-469f-a165-70867728950e/a.jpg`,
        accountId: ACCOUNT,
      },
      contextVariables: listing ? { ...context, 's3:prefix': prefix } : context,
    },
  });
}

/** The table as designed: only these cells are allowed; every other one is denied. */
const ALLOWED_OWNER_READ = new Set([
  'uploader s3:PutObject own prefix',
  'uploader s3:AbortMultipartUpload own prefix',
  'uploader s3:ListMultipartUploadParts own prefix',
  // To find the object a completion made when its retry meets 412 or NoSuchUpload.
  'uploader s3:ListBucket own prefix',
  'reader s3:GetObject own prefix',
  'reader s3:ListBucket own prefix',
]);
const ALLOWED_AUTHENTICATED_READ = new Set([...ALLOWED_OWNER_READ, "reader s3:GetObject another user's prefix"]);

function table(allowed: Set<string>) {
  return (['uploader', 'reader'] as Role[]).flatMap((role) =>
    ACTIONS.flatMap((action) =>
      (Object.keys(PREFIXES) as Prefix[]).map((prefix) => {
        const cell = `${role} ${action} ${prefix}`;
        return [role.padEnd(8), action.padEnd(28), prefix.padEnd(22), allowed.has(cell) ? 'Allowed' : 'denied'] as const;
      }),
    ),
  );
}

describe('signing roles, read access owner (default)', () => {
  const policies = deployedPolicies(templateOf());

  it.each(table(ALLOWED_OWNER_READ))('%s %s %s → %s', async (role, action, prefix, expected) => {
    const decision = await s3Decision(policies, role.trim() as Role, action.trim(), PREFIXES[prefix.trim() as Prefix]);

    expect(decision === 'Allowed' ? 'Allowed' : 'denied').toBe(expected);
  });
});

describe('signing roles, read access authenticated', () => {
  const policies = deployedPolicies(templateOf({ readAccess: 'authenticated' }));

  it.each(table(ALLOWED_AUTHENTICATED_READ))('%s %s %s → %s', async (role, action, prefix, expected) => {
    const decision = await s3Decision(policies, role.trim() as Role, action.trim(), PREFIXES[prefix.trim() as Prefix]);

    expect(decision === 'Allowed' ? 'Allowed' : 'denied').toBe(expected);
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
    expect(await s3Decision(policies, 'reader', 's3:GetObject', own, context)).toBe(expected);
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

  it.each([
    ['uploader', 'its own function, with a userId tag', 'Allowed', uploadsFunction, { userId: ALICE }],
    ['uploader', 'its own function, without a tag', 'denied', uploadsFunction, {}],
    ['uploader', 'its own function, with an empty userId tag', 'denied', uploadsFunction, { userId: '' }],
    ['uploader', 'its own function, with an extra tag', 'denied', uploadsFunction, { userId: ALICE, admin: 'true' }],
    ['uploader', 'the other function', 'denied', downloadsFunction, { userId: ALICE }],
    ['uploader', 'anyone else in the account', 'denied', (): string => `arn:aws:iam::${ACCOUNT}:role/someone`, { userId: ALICE }],
    ['reader', 'its own function, with a userId tag', 'Allowed', downloadsFunction, { userId: ALICE }],
    ['reader', 'the other function', 'denied', uploadsFunction, { userId: ALICE }],
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
