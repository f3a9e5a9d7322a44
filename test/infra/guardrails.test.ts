/**
 * Guardrails: what must hold in the synthesized template whatever the configuration, checked
 * for the defaults and for the extremes a deployer may choose. Each reads the template alone
 * (never the construct's own fields), so a change that loosens a policy fails here, whatever
 * the snapshot says.
 */
import { longestUrlTtlSeconds, settingsFromEnvironment } from '../../lambdas/shared/settings';
import { FUNCTION_NAMES } from '../../lib/functions';
import { templateOf } from './synth';

type Json = Record<string, unknown>;
interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}
interface Resource {
  readonly Type: string;
  readonly Properties?: Json;
}

const ONE_HOUR_MS = 3_600_000;
const MINUTES_PER_UNIT: Record<string, number> = { seconds: 1 / 60, minutes: 1, hours: 60, days: 24 * 60 };

const CONFIGURATIONS: Record<string, Record<string, string>> = {
  'the defaults': {},
  'the longest download URLs allowed (3540 s)': { maxDownloadUrlTtlSeconds: '3540' },
  'the shortest URLs (60 s)': { uploadUrlTtlSeconds: '60', downloadUrlTtlSeconds: '60', maxDownloadUrlTtlSeconds: '60' },
  'reads by any signed-in user, destroyable buckets and alarm e-mail': {
    readAccess: 'authenticated',
    removalPolicy: 'destroy',
    alarmEmail: 'ops@example.com',
  },
};

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every policy statement anywhere in the template, with the resource that holds it. */
function statementsOf(resources: Record<string, Resource>): { holder: string; type: string; statement: Statement }[] {
  const found: { holder: string; type: string; statement: Statement }[] = [];
  const visit = (holder: string, type: string, value: unknown) => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach((item) => visit(holder, type, item));
    const object = value as Json;
    if ((object.Effect === 'Allow' || object.Effect === 'Deny') && ('Action' in object || 'NotAction' in object)) {
      found.push({ holder, type, statement: object as unknown as Statement });
      return;
    }
    Object.values(object).forEach((item) => visit(holder, type, item));
  };
  for (const [id, resource] of Object.entries(resources)) visit(id, resource.Type, resource.Properties);
  return found;
}

const AUTO_DELETE_PROVIDER = 'CustomS3AutoDeleteObjectsCustomResourceProvider';

const isEveryone = (principal: unknown) =>
  principal === '*' || asList((principal as { AWS?: unknown } | undefined)?.AWS).some((arn) => arn === '*');

describe.each(Object.entries(CONFIGURATIONS))('the template with %s', (_, context) => {
  const resources = templateOf(context).toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const statements = statementsOf(resources);
  // With removalPolicy=destroy, CDK adds its auto-delete provider (a function and role of its own) to empty the buckets.
  const isAutoDeleteProvider = (id: string) => id.startsWith(AUTO_DELETE_PROVIDER);
  const functions = ofType('AWS::Lambda::Function')
    .filter(([id]) => !isAutoDeleteProvider(id))
    .map(([, resource]) => resource.Properties as Json);
  const bucketPolicyOf = (bucketId: string) =>
    statements.filter(
      ({ holder, type }) =>
        type === 'AWS::S3::BucketPolicy' && JSON.stringify(resources[holder]?.Properties?.Bucket) === JSON.stringify({ Ref: bucketId }),
    );

  it('refuses presigned URLs older than the longest lifetime any function issues, and never older than an hour', () => {
    const environments = functions.map((props) => (props.Environment as { Variables: Record<string, string> }).Variables);
    const longestTtlMs = Math.max(...environments.map((variables) => longestUrlTtlSeconds(settingsFromEnvironment(variables)) * 1000));
    const [filesBucket] = new Set(environments.map((variables) => (variables.BUCKET_NAME as unknown as { Ref: string }).Ref));

    const ageLimits = bucketPolicyOf(filesBucket ?? '')
      .map(({ statement }) => statement)
      .filter(
        (statement) =>
          statement.Effect === 'Deny' &&
          isEveryone(statement.Principal) &&
          statement.Action === 's3:*' &&
          statement.Condition?.StringEquals?.['s3:authType'] === 'REST-QUERY-STRING',
      )
      .map((statement) => statement.Condition?.NumericGreaterThan?.['s3:signatureAge']);

    expect(functions).toHaveLength(FUNCTION_NAMES.length);
    expect(ageLimits).toEqual([expect.any(Number)]);
    expect(ageLimits[0]).toBeGreaterThanOrEqual(longestTtlMs);
    expect(ageLimits[0]).toBeLessThanOrEqual(ONE_HOUR_MS);
  });

  it('denies every request without TLS, for everyone, on every bucket and all its objects', () => {
    const buckets = ofType('AWS::S3::Bucket');

    expect(buckets.length).toBeGreaterThan(0);
    for (const [id] of buckets) {
      const arn = { 'Fn::GetAtt': [id, 'Arn'] };
      expect(bucketPolicyOf(id).map(({ statement }) => statement)).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
        }),
      );
    }
  });

  it('allows no one as "*" in any resource policy, trust policy or Lambda permission', () => {
    const openAllows = statements.filter(({ statement }) => statement.Effect === 'Allow' && isEveryone(statement.Principal));
    const openPermissions = ofType('AWS::Lambda::Permission').filter(([, resource]) => resource.Properties?.Principal === '*');

    expect(statements.filter(({ statement }) => statement.Principal !== undefined).length).toBeGreaterThan(0);
    expect(openAllows).toEqual([]);
    expect(openPermissions).toEqual([]);
  });

  it('grants no role a wildcard action, a NotAction or NotResource, or an S3 action on every resource', () => {
    const identityStatements = statements.filter(({ statement }) => statement.Effect === 'Allow' && statement.Principal === undefined);
    const wildcardActions = identityStatements.filter(({ statement }) => asList(statement.Action).some((action) => action.includes('*')));
    const negations = identityStatements.filter(({ statement }) => 'NotAction' in statement || 'NotResource' in statement);
    const s3OnEverything = identityStatements.filter(
      ({ statement }) =>
        asList(statement.Action).some((action) => action.startsWith('s3:')) &&
        asList(statement.Resource).some((resource) => typeof resource === 'string' && /^(\*|arn:[^:]+:s3:::\*)$/.test(resource)),
    );

    expect(identityStatements.length).toBeGreaterThan(0);
    expect(wildcardActions).toEqual([]);
    expect(negations).toEqual([]);
    expect(s3OnEverything).toEqual([]);
  });

  it('lets ID and access tokens live an hour at most, so a stolen one dies young', () => {
    const clients = ofType('AWS::Cognito::UserPoolClient').map(([, resource]) => resource.Properties ?? {});
    const lifetimesInMinutes = clients.flatMap((client) =>
      ['IdToken', 'AccessToken'].map((token) => {
        const value = client[`${token}Validity`] as number | undefined;
        const unit = (client.TokenValidityUnits as Record<string, string> | undefined)?.[token] ?? 'hours';
        // Cognito's default when unset: 60 minutes; a value given without units is in hours.
        return value === undefined ? 60 : value * (MINUTES_PER_UNIT[unit] ?? Infinity);
      }),
    );

    expect(clients.length).toBeGreaterThan(0);
    expect(lifetimesInMinutes.every((minutes) => minutes <= 60)).toBe(true);
  });

  it('encrypts every queue and refuses every request to it without TLS', () => {
    const queues = ofType('AWS::SQS::Queue');
    const queuePolicies = ofType('AWS::SQS::QueuePolicy').map(([, resource]) => resource.Properties ?? {});

    expect(queues.length).toBeGreaterThan(0);
    for (const [id, queue] of queues) {
      expect(queue.Properties?.SqsManagedSseEnabled === true || queue.Properties?.KmsMasterKeyId !== undefined).toBe(true);
      const policy = queuePolicies.find((candidate) => JSON.stringify(candidate.Queues) === JSON.stringify([{ Ref: id }]));
      expect((policy?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('keeps every table recoverable to any point in time, and protected from deletion while retained', () => {
    const tables = ofType('AWS::DynamoDB::Table');

    expect(tables.length).toBeGreaterThan(0);
    for (const [, table] of tables) {
      expect(table.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      const retained = (table as { DeletionPolicy?: string }).DeletionPolicy === 'Retain';
      expect(table.Properties?.DeletionProtectionEnabled).toBe(retained);
    }
  });

  it('gives no bucket a notification custom resource, which would overwrite its EventBridge configuration', () => {
    expect(ofType('Custom::S3BucketNotifications')).toEqual([]);
    expect(ofType('AWS::S3::Bucket').filter(([, bucket]) => bucket.Properties?.NotificationConfiguration !== undefined).length).toBe(1);
  });

  it('attaches no managed policy to any role, so every permission is one of the statements checked here', () => {
    const managed = ofType('AWS::IAM::Role').filter(
      ([, resource]) => asList(resource.Properties?.ManagedPolicyArns as unknown[]).length > 0,
    );
    const [ours, provider] = [managed.filter(([id]) => !isAutoDeleteProvider(id)), managed.filter(([id]) => isAutoDeleteProvider(id))];

    expect(ofType('AWS::IAM::Role').length).toBeGreaterThan(0);
    expect(ours).toEqual([]);
    // CDK's provider only writes its logs with it.
    for (const [, role] of provider) {
      expect(JSON.stringify(role.Properties?.ManagedPolicyArns)).toMatch(
        /^\[\{"Fn::Sub":"arn:\$\{AWS::Partition\}:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole"\}\]$/,
      );
    }
  });
});
