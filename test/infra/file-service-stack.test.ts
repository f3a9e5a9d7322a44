import { resourceOf, synthesize } from './synth';

describe('the stack', () => {
  const { template } = synthesize();

  it('creates a user pool where admins invite users, with strong passwords and optional TOTP MFA', () => {
    const pool = resourceOf(template, 'AWS::Cognito::UserPool', 'Users');

    expect(pool.properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
      },
    });
  });

  it('creates a public app client without a secret', () => {
    const client = resourceOf(template, 'AWS::Cognito::UserPoolClient', 'UsersWebClient');

    expect(client.properties).toMatchObject({ GenerateSecret: false, PreventUserExistenceErrors: 'ENABLED' });
  });

  it('outputs what a frontend needs, under the names local mode writes too', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      ['ApiUrl', 'BucketName', 'CognitoEndpoint', 'Region', 'TableName', 'UserPoolClientId', 'UserPoolId'].sort(),
    );
  });

  it('uses an existing user pool when given its ids', () => {
    const existing = synthesize({ userPoolId: 'eu-west-1_abc123', userPoolClientId: 'client123' }).template;

    expect(Object.keys(existing.findResources('AWS::Cognito::UserPool'))).toEqual([]);
    existing.hasOutput('UserPoolId', { Value: 'eu-west-1_abc123' });
  });

  it.each([
    ['a pool id without a client id', { userPoolId: 'eu-west-1_abc123' }, /go together/],
    ['a size that is not a number', { maxUploadBytes: 'big' }, /maxUploadBytes must be a whole number/],
    ['a wildcard origin', { allowedOrigins: '*' }, /allowedOrigins/],
    ['an unknown removal policy', { removalPolicy: 'snapshot' }, /removalPolicy/],
    ['content types that are not JSON', { allowedContentTypes: '{' }, /allowedContentTypes must be JSON/],
  ])('refuses to synthesize with %s', (_, context, message) => {
    expect(() => synthesize(context)).toThrow(message);
  });

  it('reads settings from context into the functions', () => {
    const custom = synthesize({
      maxUploadBytes: '1048576',
      allowedContentTypes: '{"image/png":["png"]}',
      readAccess: 'authenticated',
    }).template;
    const fn = resourceOf(custom, 'AWS::Lambda::Function', 'FileServiceUploadsFunction');
    const settings = JSON.parse(
      (fn.properties.Environment as { Variables: { FILE_SERVICE_SETTINGS: string } }).Variables.FILE_SERVICE_SETTINGS,
    );

    expect(settings).toMatchObject({ maxUploadBytes: 1048576, allowedContentTypes: { 'image/png': ['png'] }, readAccess: 'authenticated' });
  });

  it('deletes empty buckets on stack deletion when asked to', () => {
    const destroy = synthesize({ removalPolicy: 'destroy' }).template;

    for (const bucket of Object.values(destroy.findResources('AWS::S3::Bucket'))) {
      expect(bucket.DeletionPolicy).toBe('Delete');
    }
  });
});
