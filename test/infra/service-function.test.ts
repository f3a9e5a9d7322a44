import { FUNCTION_NAMES, FUNCTIONS, signs } from '../../lib/functions';
import { resourceOf, templateOf } from './synth';

const template = templateOf();
const roles = template.findResources('AWS::IAM::Role');
const policies = template.findResources('AWS::IAM::Policy');
const functions = template.findResources('AWS::Lambda::Function');

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Principal?: unknown };

function statementsOf(roleId: string): Statement[] {
  const inline = (roles[roleId]?.Properties.Policies ?? []).flatMap(
    (policy: { PolicyDocument: { Statement: Statement[] } }) => policy.PolicyDocument.Statement,
  );
  const attached = Object.values(policies)
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}

const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat()).sort();
const bucketId = resourceOf(template, 'AWS::S3::Bucket', 'FileServiceBucketFiles').id;
const tableId = resourceOf(template, 'AWS::DynamoDB::Table', 'FileServiceTableRecords').id;
const queueId = resourceOf(template, 'AWS::SQS::Queue', 'FileServiceEventsQueue').id;
const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
const objectsUnder = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}`]] });
const role = (prefix: string) => resourceOf(template, 'AWS::IAM::Role', prefix);

const READ_WRITE_RECORDS = [
  {
    Sid: 'ReadWriteRecords',
    Effect: 'Allow',
    Action: [
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ],
    Resource: tableArn,
  },
  { Sid: 'ListRecordsByOwner', Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [tableArn, '/index/byOwner']] } },
];

/** What each function's execution role holds besides writing its logs and assuming its signing role. */
const EXECUTION_GRANTS: Record<string, Statement[]> = {
  Uploads: READ_WRITE_RECORDS,
  Downloads: READ_WRITE_RECORDS,
  Deletes: READ_WRITE_RECORDS,
  Health: [
    { Sid: 'HeadBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn },
    { Sid: 'DescribeTable', Effect: 'Allow', Action: 'dynamodb:DescribeTable', Resource: tableArn },
  ],
  Verifier: [
    {
      Sid: 'VerifyObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectTagging', 's3:PutObjectTagging'],
      Resource: objectsUnder('users/*'),
    },
    ...READ_WRITE_RECORDS,
    {
      Effect: 'Allow',
      Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
    },
  ],
};

describe.each(FUNCTION_NAMES.map((name) => [FUNCTIONS[name].id, name] as const))('the %s function', (id, name) => {
  const fn = resourceOf(template, 'AWS::Lambda::Function', `FileService${id}Function`);
  const executionRole = role(`FileService${id}ExecutionRole`);
  const logGroup = resourceOf(template, 'AWS::Logs::LogGroup', `FileService${id}Logs`);
  const signingRoles = Object.keys(roles).filter((roleId) => roleId.startsWith(`FileService${id}SigningRole`));

  it('runs Node.js 24 on arm64', () => {
    expect(fn.properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
  });

  it('logs to its own log group with a retention', () => {
    expect(fn.properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroup.id } });
    expect(template.findResources('AWS::Logs::LogGroup')[logGroup.id]?.Properties.RetentionInDays).toBe(90);
  });

  it('stops after its timeout: 60 s for the verifier’s batches, 29 s for uploads (a slow completion, within API Gateway’s 30 s), 10 s for the rest', () => {
    expect(fn.properties.Timeout).toBe(({ verifier: 60, uploads: 29 } as Record<string, number>)[name] ?? 10);
  });

  it('learns its bucket, table, settings, metrics service name and, when it signs, its signing role from its environment', () => {
    expect((fn.properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      BUCKET_NAME: { Ref: bucketId },
      TABLE_NAME: { Ref: tableId },
      URL_SUFFIX: { Ref: 'AWS::URLSuffix' },
      FILE_SERVICE_SETTINGS: expect.any(String),
      POWERTOOLS_SERVICE_NAME: 'SecureFileService/FileService',
      ...(signs(name) && { SIGNING_ROLE_ARN: { 'Fn::GetAtt': [signingRoles[0], 'Arn'] } }),
    });
  });

  it('has a signing role exactly when the registry gives it signing grants', () => {
    expect(signingRoles).toHaveLength(signs(name) ? 1 : 0);
  });

  it('runs as a role that may write its logs, assume its own signing role if it has one, and do what the registry grants', () => {
    expect(statementsOf(executionRole.id)).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroup.id, 'Arn'] },
      },
      ...(signs(name)
        ? [
            {
              Sid: 'AssumeSigningRoleWithUserTag',
              Effect: 'Allow',
              Action: ['sts:AssumeRole', 'sts:TagSession'],
              Resource: { 'Fn::GetAtt': [signingRoles[0], 'Arn'] },
            },
          ]
        : []),
      ...(EXECUTION_GRANTS[id] ?? ['no grants listed for this function']),
    ]);
    expect(executionRole.properties.ManagedPolicyArns).toBeUndefined();
    expect(executionRole.properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }],
    });
  });
});

describe.each(FUNCTION_NAMES.filter(signs).map((name) => FUNCTIONS[name].id))('the %s signing role', (id) => {
  it('trusts only its function’s execution role, only with a userId session tag', () => {
    const executionRole = role(`FileService${id}ExecutionRole`);
    const signingRole = role(`FileService${id}SigningRole`);

    expect(signingRole.properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Principal: { AWS: { 'Fn::GetAtt': [executionRole.id, 'Arn'] } },
          Condition: {
            StringLike: { 'aws:RequestTag/userId': '?*' },
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['userId'] },
          },
        },
      ],
    });
    expect(signingRole.properties.MaxSessionDuration).toBe(3600);
  });
});

describe('the signing roles', () => {
  const uploader = role('FileServiceUploadsSigningRole');
  const reader = role('FileServiceDownloadsSigningRole');
  const deleter = role('FileServiceDeletesSigningRole');
  const ownObjects = objectsUnder('users/${aws:PrincipalTag/userId}/*');
  const availableOnly = { StringEquals: { 's3:ExistingObjectTag/status': 'available' } };

  it('let the uploader only put objects, list and abort their multipart uploads, and list (never read) its own prefix, and never tag', () => {
    expect(statementsOf(uploader.id)).toEqual([
      {
        Sid: 'WriteOwnObjects',
        Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObject'],
        Resource: ownObjects,
      },
      {
        Sid: 'DenyTagging',
        Effect: 'Deny',
        Action: ['s3:DeleteObjectTagging', 's3:DeleteObjectVersionTagging', 's3:PutObjectTagging', 's3:PutObjectVersionTagging'],
        Resource: objectsUnder('*'),
      },
      {
        Sid: 'DenyTagsOnUpload',
        Effect: 'Deny',
        Action: 's3:PutObject',
        Resource: objectsUnder('*'),
        Condition: { Null: { 's3:RequestObjectTagKeys': 'false' } },
      },
      {
        Sid: 'ListOwnPrefix',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['users/${aws:PrincipalTag/userId}/*'] } },
      },
    ]);
  });

  it('let the reader only get objects under the caller’s own prefix, and only those tagged available; no listing', () => {
    expect(statementsOf(reader.id)).toEqual([
      { Sid: 'ReadAvailableObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: ownObjects, Condition: availableOnly },
    ]);
  });

  it('let the reader get any user’s objects tagged available when read access is authenticated', () => {
    const authenticated = templateOf({ readAccess: 'authenticated' });
    const authenticatedReader = resourceOf(authenticated, 'AWS::IAM::Role', 'FileServiceDownloadsSigningRole');
    const [read, ...others] =
      (authenticatedReader.properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])[0]?.PolicyDocument.Statement ?? [];

    expect(read).toMatchObject({ Action: 's3:GetObject', Resource: objectsUnder('users/*'), Condition: availableOnly });
    expect(others).toEqual([]);
  });

  it('let the deleter only delete objects under the caller’s own prefix: never a version, so a delete can be undone', () => {
    expect(statementsOf(deleter.id)).toEqual([
      { Sid: 'DeleteOwnObjects', Effect: 'Allow', Action: 's3:DeleteObject', Resource: ownObjects },
    ]);
  });
});

describe('every role', () => {
  const allStatements = Object.keys(roles).flatMap(statementsOf);
  const allows = allStatements.filter((statement) => statement.Effect === 'Allow');

  it('never allows a wildcard action or a bare * resource, anywhere in the template', () => {
    expect(allows.length).toBeGreaterThan(0);
    expect(actionsOf(allows).filter((action) => action.includes('*'))).toEqual([]);
    expect(allows.filter((statement) => statement.Resource === '*')).toEqual([]);
  });

  it('allows no ACL, policy or version action, and deletes only the deleter’s objects and table items', () => {
    expect(actionsOf(allows).filter((action) => /Acl|Policy|Version/.test(action))).toEqual([]);
    expect([...new Set(actionsOf(allows).filter((action) => /Delete/.test(action) && action !== 'sqs:DeleteMessage'))]).toEqual([
      'dynamodb:DeleteItem',
      's3:DeleteObject',
    ]);
    expect(Object.keys(roles).filter((id) => actionsOf(statementsOf(id)).includes('s3:DeleteObject'))).toEqual([
      role('FileServiceDeletesSigningRole').id,
    ]);
  });

  it('lets only the verifier write object tags', () => {
    const taggers = Object.keys(roles).filter((id) =>
      statementsOf(id).some(
        (statement) =>
          statement.Effect === 'Allow' &&
          [statement.Action].flat().some((action) => /Tagging$/.test(action) && !action.startsWith('s3:Get')),
      ),
    );

    expect(taggers).toEqual([role('FileServiceVerifierExecutionRole').id]);
  });

  it('has S3 permissions only as a signing role, the verifier or the health check', () => {
    const withS3 = Object.keys(roles).filter((id) => actionsOf(statementsOf(id)).some((action) => action.startsWith('s3:')));

    expect(withS3.sort()).toEqual(
      [
        'FileServiceUploadsSigningRole',
        'FileServiceDownloadsSigningRole',
        'FileServiceDeletesSigningRole',
        'FileServiceVerifierExecutionRole',
        'FileServiceHealthExecutionRole',
      ]
        .map((prefix) => role(prefix).id)
        .sort(),
    );
  });

  it('names DynamoDB actions one by one, on the table and its index by name', () => {
    const dynamo = allows.filter((statement) => actionsOf([statement]).some((action) => action.startsWith('dynamodb:')));

    expect(dynamo.length).toBeGreaterThan(0);
    for (const statement of dynamo) {
      expect([tableArn, { 'Fn::Join': ['', [tableArn, '/index/byOwner']] }]).toContainEqual(statement.Resource);
    }
  });
});

it('creates exactly the registry’s functions', () => {
  expect(
    Object.keys(functions)
      .map((id) => id.replace(/^FileService(\w+?)Function[0-9A-F]{8}$/, '$1'))
      .sort(),
  ).toEqual(FUNCTION_NAMES.map((name) => FUNCTIONS[name].id).sort());
});
