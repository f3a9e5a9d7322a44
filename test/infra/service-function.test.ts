import { FUNCTION_NAMES, FUNCTIONS } from '../../lib/functions';
import { resourceOf, synthesize } from './synth';

const { template } = synthesize();
const roles = template.findResources('AWS::IAM::Role');
const policies = template.findResources('AWS::IAM::Policy');
const functions = template.findResources('AWS::Lambda::Function');

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Principal?: unknown };

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
const objectsUnder = (prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${prefix}`]] });

describe.each(FUNCTION_NAMES.map((name) => FUNCTIONS[name].id))('the %s function', (name) => {
  const fn = resourceOf(template, 'AWS::Lambda::Function', `FileService${name}Function`);
  const executionRole = resourceOf(template, 'AWS::IAM::Role', `FileService${name}ExecutionRole`);
  const signingRole = resourceOf(template, 'AWS::IAM::Role', `FileService${name}SigningRole`);
  const logGroup = resourceOf(template, 'AWS::Logs::LogGroup', `FileService${name}Logs`);

  it('runs Node.js 24 on arm64', () => {
    expect(fn.properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
  });

  it('logs to its own log group with a retention', () => {
    expect(fn.properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroup.id } });
    expect(template.findResources('AWS::Logs::LogGroup')[logGroup.id]?.Properties.RetentionInDays).toBe(90);
  });

  it('learns its signing role, bucket, settings and metrics service name from its environment', () => {
    expect((fn.properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      BUCKET_NAME: { Ref: bucketId },
      FILE_SERVICE_SETTINGS: expect.any(String),
      POWERTOOLS_SERVICE_NAME: 'SecureFileService/FileService',
      SIGNING_ROLE_ARN: { 'Fn::GetAtt': [signingRole.id, 'Arn'] },
    });
  });

  it('runs as a role that may only write its logs and assume its own signing role', () => {
    expect(statementsOf(executionRole.id)).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroup.id, 'Arn'] },
      }),
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Resource: { 'Fn::GetAtt': [signingRole.id, 'Arn'] },
      }),
    ]);
    expect(executionRole.properties.ManagedPolicyArns).toBeUndefined();
    expect(executionRole.properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }],
    });
  });

  it('has a signing role that trusts only its execution role, only with a userId session tag', () => {
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
  const uploader = resourceOf(template, 'AWS::IAM::Role', 'FileServiceUploadsSigningRole');
  const reader = resourceOf(template, 'AWS::IAM::Role', 'FileServiceDownloadsSigningRole');

  it('let the uploader only put objects, list and abort their multipart uploads, under the caller’s own prefix', () => {
    expect(statementsOf(uploader.id)).toEqual([
      {
        Sid: 'WriteOwnObjects',
        Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObject'],
        Resource: objectsUnder('users/${aws:PrincipalTag/userId}/*'),
      },
    ]);
  });

  it('let the reader only get objects under the caller’s own prefix and list that prefix', () => {
    expect(statementsOf(reader.id)).toEqual([
      { Sid: 'ReadObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: objectsUnder('users/${aws:PrincipalTag/userId}/*') },
      {
        Sid: 'ListOwnPrefix',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['users/${aws:PrincipalTag/userId}/*'] } },
      },
    ]);
  });

  it('let the reader get any user’s objects when read access is authenticated, and still list only its own', () => {
    const authenticated = synthesize({ readAccess: 'authenticated' }).template;
    const role = resourceOf(authenticated, 'AWS::IAM::Role', 'FileServiceDownloadsSigningRole');
    const [read, list] = (role.properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])[0]?.PolicyDocument.Statement ?? [];

    expect(read?.Resource).toEqual(objectsUnder('users/*'));
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['users/${aws:PrincipalTag/userId}/*'] } });
  });

  it('never allow a wildcard action, a bare * resource, or a delete, anywhere in the template', () => {
    const allStatements = Object.keys(roles).flatMap(statementsOf);
    const allows = allStatements.filter((statement) => statement.Effect === 'Allow');

    expect(actionsOf(allows).filter((action) => action.includes('*'))).toEqual([]);
    expect(allows.filter((statement) => statement.Resource === '*')).toEqual([]);
    expect(actionsOf(allows).filter((action) => /Delete|Acl|Policy|\*/.test(action))).toEqual([]);
  });

  it('are the only roles with S3 permissions', () => {
    const withS3 = Object.keys(roles).filter((id) => actionsOf(statementsOf(id)).some((action) => action.startsWith('s3:')));

    expect(withS3.sort()).toEqual([reader.id, uploader.id].sort());
  });
});

it('creates no function other than the two signers', () => {
  expect(Object.keys(functions)).toHaveLength(2);
});
