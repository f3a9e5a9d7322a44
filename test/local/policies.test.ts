/**
 * What local S3 enforces comes from the synthesized template, generically: every role a
 * principal may assume (so new signing roles need no change to local mode) and the files
 * bucket's policy, with intrinsics resolved to local names.
 */
import { policiesOfTemplate } from '../../local/policies';
import { synthesize } from '../infra/synth';

type Template = Parameters<typeof policiesOfTemplate>[0];

const template = synthesize().template.toJSON() as Template;
const policies = policiesOfTemplate(template, 'local-bucket', '000000000000');

it('finds every signing role, named by the function whose environment hands it its ARN', () => {
  expect(policies.roles.map((role) => role.usedBy.replace(/Function.*/, '')).sort()).toEqual([
    'FileServiceDeletes',
    'FileServiceDownloads',
    'FileServiceUploads',
  ]);
});

it('leaves out the roles only a service assumes (the functions’ execution roles)', () => {
  expect(policies.roles.every((role) => role.logicalId.includes('SigningRole'))).toBe(true);
});

it("resolves the roles' resources to the local bucket, keeping the principal-tag variable for IAM", () => {
  const uploader = policies.roles.find((role) => role.usedBy.startsWith('FileServiceUploadsFunction'));

  expect(JSON.stringify(uploader?.policies)).toContain('"arn:aws:s3:::local-bucket/users/${aws:PrincipalTag/userId}/*"');
  expect(JSON.stringify(policies)).not.toContain('unresolved:');
});

it("takes the files bucket's policy, signature-age and SigV2 denials included", () => {
  const sids = policies.bucketPolicy.Statement.map((statement) => (statement as { Sid?: string }).Sid);

  expect(sids).toEqual(expect.arrayContaining(['DenyPresignedUrlsOlderThanLongestTtl', 'DenySignatureVersion2']));
});

it('picks up a new assumable role and its attached policy without a change to local mode', () => {
  const resources = { ...template.Resources };
  resources.DeleterRole = {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::000000000000:role/x' } }],
      },
    },
  };
  resources.DeleterPolicy = {
    Type: 'AWS::IAM::Policy',
    Properties: {
      Roles: [{ Ref: 'DeleterRole' }],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:DeleteObject', Resource: '*' }] },
    },
  };
  resources.DeletesFunction = {
    Type: 'AWS::Lambda::Function',
    Properties: { Environment: { Variables: { SIGNING_ROLE_ARN: { 'Fn::GetAtt': ['DeleterRole', 'Arn'] } } } },
  };

  const deleter = policiesOfTemplate({ Resources: resources }, 'local-bucket', '000000000000').roles.find(
    (role) => role.usedBy === 'DeletesFunction',
  );

  expect(deleter?.arn).toBe('arn:aws:iam::000000000000:role/DeleterRole');
  expect(JSON.stringify(deleter?.policies)).toContain('s3:DeleteObject');
});
