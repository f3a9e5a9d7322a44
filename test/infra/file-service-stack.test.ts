import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cdkJson from '../../cdk.json';
import { stackPropsFromContext } from '../../lib/stack/context';
import { FileServiceStack } from '../../lib/stack/file-service-stack';
import { LOCALHOST_ONLY_WARNING } from '../../lib/stack/localhost-origins';
import { resourceOf, synthesize, templateOf } from './synth';

describe('the stack', () => {
  const template = templateOf();

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
    const existing = templateOf({ userPoolId: 'eu-west-1_abc123', userPoolClientId: 'client123' });

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
    const custom = templateOf({
      maxUploadBytes: '1048576',
      allowedContentTypes: '{"image/png":["png"]}',
      readAccess: 'authenticated',
    });
    const fn = resourceOf(custom, 'AWS::Lambda::Function', 'FileServiceUploadsFunction');
    const settings = JSON.parse(
      (fn.properties.Environment as { Variables: { FILE_SERVICE_SETTINGS: string } }).Variables.FILE_SERVICE_SETTINGS,
    );

    expect(settings).toMatchObject({ maxUploadBytes: 1048576, allowedContentTypes: { 'image/png': ['png'] }, readAccess: 'authenticated' });
  });

  it('deletes empty buckets on stack deletion when asked to', () => {
    const destroy = templateOf({ removalPolicy: 'destroy' });

    for (const bucket of Object.values(destroy.findResources('AWS::S3::Bucket'))) {
      expect(bucket.DeletionPolicy).toBe('Delete');
    }
  });

  it('empties both buckets before deleting them when asked to destroy, so the delete cannot fail on a non-empty bucket', () => {
    const destroy = synthesize({ removalPolicy: 'destroy' }).template;
    const buckets = Object.keys(destroy.findResources('AWS::S3::Bucket'));
    const emptied = Object.values(destroy.findResources('Custom::S3AutoDeleteObjects')).map(
      (resource) => (resource.Properties.BucketName as { Ref: string }).Ref,
    );

    expect(buckets).toHaveLength(2);
    expect(emptied.sort()).toEqual(buckets.sort());
  });

  it('never empties a retained bucket', () => {
    expect(template.findResources('Custom::S3AutoDeleteObjects')).toEqual({});
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) expect(bucket.DeletionPolicy).toBe('Retain');
  });
});

describe('the user pool and its app client', () => {
  const { template } = synthesize();
  const pool = () => resourceOf(template, 'AWS::Cognito::UserPool', 'Users').properties;
  const client = (context: Record<string, string> = {}) =>
    resourceOf(synthesize(context).template, 'AWS::Cognito::UserPoolClient', 'UsersWebClient').properties;

  it('chooses its feature plan rather than taking the default', () => {
    expect(pool().UserPoolTier).toBe('ESSENTIALS');
    expect(resourceOf(synthesize({ cognitoFeaturePlan: 'plus' }).template, 'AWS::Cognito::UserPool', 'Users').properties.UserPoolTier).toBe(
      'PLUS',
    );
  });

  it('protects a created pool from deletion, unless the stack is meant to be destroyed', () => {
    expect(pool().DeletionProtection).toBe('ACTIVE');
    expect(
      resourceOf(synthesize({ removalPolicy: 'destroy' }).template, 'AWS::Cognito::UserPool', 'Users').properties.DeletionProtection,
    ).toBe('INACTIVE');
  });

  it('has no OAuth flows, scopes or callback URLs unless callback URLs are configured', () => {
    const properties = client();

    expect(properties.AllowedOAuthFlows).toBeUndefined();
    expect(properties.AllowedOAuthScopes).toBeUndefined();
    expect(properties.CallbackURLs).toBeUndefined();
    expect(properties.AllowedOAuthFlowsUserPoolClient).toBe(false);
  });

  it('signs in with SRP only by default: never the password itself', () => {
    expect(client().ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
  });

  it('allows password sign-in only when configured', () => {
    expect(client({ passwordAuth: 'true' }).ExplicitAuthFlows).toEqual([
      'ALLOW_USER_PASSWORD_AUTH',
      'ALLOW_USER_SRP_AUTH',
      'ALLOW_REFRESH_TOKEN_AUTH',
    ]);
  });

  it('allows the authorization code flow only, to the configured callback URLs, when some are configured', () => {
    const properties = client({ oauthCallbackUrls: 'https://app.example.com/callback', oauthLogoutUrls: 'https://app.example.com/' });

    expect(properties).toMatchObject({
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'aws.cognito.signin.user.admin'],
      CallbackURLs: ['https://app.example.com/callback'],
      LogoutURLs: ['https://app.example.com/'],
    });
  });
});

describe('a stack in cn-north-1', () => {
  // CloudFormation has no AWS::Cognito::UserPool in cn-north-1 (CDK's validation says so): the pool is an existing one.
  const { template } = synthesize(
    { userPoolId: 'cn-north-1_abc123', userPoolClientId: 'client123' },
    { env: { account: '111122223333', region: 'cn-north-1' } },
  );
  const json = JSON.stringify(template.toJSON());

  it('signs URLs for S3 in the partition’s domain: the functions learn it from the stack', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables.URL_SUFFIX).toEqual({ Ref: 'AWS::URLSuffix' });
    }
  });

  it('hard-codes no amazonaws.com endpoint: the issuer and the Cognito endpoint use the URL suffix', () => {
    const authorizer = resourceOf(template, 'AWS::ApiGatewayV2::Authorizer', 'FileServiceApiHttpApiCognitoAuthorizer');

    expect(JSON.stringify(authorizer.properties.JwtConfiguration)).toContain('{"Ref":"AWS::URLSuffix"}');
    expect(json).not.toMatch(/(cognito-idp|s3|sts)\.[a-z0-9-]+\.amazonaws\.com(?!\.cn)/);
    expect(json).not.toMatch(/arn:aws:/);
  });
});

describe('a deploy with only localhost origins', () => {
  // CDK prints the warning as it synthesises (the validation report); the tests read it from the annotations instead.
  beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  /** Synthesises as `cdk synth` does with cdk.json's context (localhost origins), without the tests' opt-in. */
  function synthesizeAsCli(context: Record<string, unknown> = {}) {
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
    const stack = new FileServiceStack(app, 'SecureFileService', stackPropsFromContext(app.node));
    return { stack, template: Template.fromStack(stack) };
  }

  it('warns at synth, naming the setting', () => {
    const { stack } = synthesizeAsCli();

    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());

    const texts = warnings.map((warning) => warning.entry.data as string);
    expect(texts).toEqual([expect.stringContaining('-c allowedOrigins=https://')]);
    expect(texts[0]).toContain(LOCALHOST_ONLY_WARNING);
  });

  it('carries a rule that makes CloudFormation refuse the deploy, saying what to set', () => {
    const { template } = synthesizeAsCli();
    const { Rules: rules, Parameters: parameters } = template.toJSON() as {
      Rules: Record<string, { Assertions: { Assert: { 'Fn::Equals': [{ Ref: string }, string] }; AssertDescription: string }[] }>;
      Parameters: Record<string, { Default: string }>;
    };
    const rule = rules.RefuseLocalhostOnlyOrigins;
    const [assertion] = rule?.Assertions ?? [];
    const [reference, required] = assertion?.Assert['Fn::Equals'] ?? [];

    // Evaluated as CloudFormation will: the parameter keeps its default unless someone passes another.
    expect(parameters[reference?.Ref ?? '']?.Default === required).toBe(false);
    expect(assertion?.AssertDescription).toMatch(/allowedOrigins.*-c allowedOrigins=https:\/\/.*-c allowLocalhostOnly=true/);
  });

  it.each([
    ['an https origin is configured', { allowedOrigins: 'https://app.example.com' }],
    ['the deploy is explicitly for localhost', { allowLocalhostOnly: 'true' }],
  ])('neither warns nor refuses when %s', (_, context) => {
    const { stack, template } = synthesizeAsCli(context);

    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Object.keys((template.toJSON() as { Rules?: object }).Rules ?? {})).not.toContain('RefuseLocalhostOnlyOrigins');
  });

  it('is what `npm run synth` does: a warning, not a failure', () => {
    expect(() => synthesizeAsCli()).not.toThrow();
  });
});
