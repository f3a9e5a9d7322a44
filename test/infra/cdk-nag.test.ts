import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { synthesize } from './synth';

/** Synthesises an app that runs cdk-nag and answers every finding it did not see acknowledged, warnings included. */
function nagFindings(app: App): string[] {
  try {
    app.synth();
  } catch {
    // Errors stop the synth; the report below lists them with the warnings.
  }
  const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
  };
  return report.pluginReports.flatMap(({ violations }) =>
    violations.flatMap(({ ruleName, violatingConstructs }) =>
      violatingConstructs.map(({ constructPath }) => `${ruleName} at ${constructPath}`),
    ),
  );
}

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => ({ path: construct.node.path, id, reason })),
  );
}

const report = { '@aws-cdk/core:validationReportJson': true };

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the default configuration', {}],
    ['authenticated read access', { readAccess: 'authenticated' }],
    ['an existing user pool', { userPoolId: 'eu-west-1_abc123', userPoolClientId: 'client123' }],
    ['an alarm email', { alarmEmail: 'oncall@example.com' }],
    ['removal policy destroy (buckets emptied by CDK’s auto-delete provider)', { removalPolicy: 'destroy' }],
    ['OAuth callback URLs and password auth', { oauthCallbackUrls: 'https://app.example.com/callback', passwordAuth: 'true' }],
    ['the Plus feature plan', { cognitoFeaturePlan: 'plus' }],
    ['malware scanning on (GuardDuty Malware Protection for S3)', { malwareScanning: 'true' }],
  ])('has zero unacknowledged findings with %s', (_, context) => {
    const { app } = synthesize({ ...report, ...context }, {}, true);

    expect(nagFindings(app)).toEqual([]);
  });

  it('acknowledges only specific findings, each with its reason', () => {
    const { app } = synthesize();

    const acknowledged = acknowledgements(app);

    expect(acknowledged.map(({ path, id }) => `${path} ${id}`).sort()).toEqual([
      'SecureFileService/FileService/Api/HttpApi/GET--health AwsSolutions::AwsSolutions-APIG4',
      'SecureFileService/FileService/Deletes/SigningRole AwsSolutions::AwsSolutions-IAM5[Resource::<FileServiceBucketFiles1B2256B6.Arn>/users/<aws:PrincipalTag/userId>/*]',
      'SecureFileService/FileService/Downloads/SigningRole AwsSolutions::AwsSolutions-IAM5[Resource::<FileServiceBucketFiles1B2256B6.Arn>/users/<aws:PrincipalTag/userId>/*]',
      'SecureFileService/FileService/Uploads/SigningRole AwsSolutions::AwsSolutions-IAM5[Resource::<FileServiceBucketFiles1B2256B6.Arn>/users/<aws:PrincipalTag/userId>/*]',
      'SecureFileService/FileService/Verifier/ExecutionRole AwsSolutions::AwsSolutions-IAM5[Resource::<FileServiceBucketFiles1B2256B6.Arn>/users/*]',
      'SecureFileService/Users AwsSolutions::AwsSolutions-COG2',
      'SecureFileService/Users AwsSolutions::AwsSolutions-COG8',
    ]);
  });

  it('gives each acknowledgement a reason about what its rule flags, and the way out where there is one', () => {
    const { app } = synthesize();

    const reasons = Object.fromEntries(acknowledgements(app).map(({ id, reason }) => [id.replace(/\[.*$/, ''), reason]));

    // What each rule flags (AwsSolutions' own wording), and what the reason must answer it with.
    expect(reasons).toEqual({
      // IAM5 flags a wildcard resource: the reason names the tag that confines it to the caller's prefix.
      // APIG4 flags a route without an authorizer: the reason says why /health is public and what it shows.
      'AwsSolutions::AwsSolutions-APIG4': expect.stringMatching(/public by design.*ok or degraded.*throttled/),
      'AwsSolutions::AwsSolutions-IAM5': expect.stringMatching(
        /wildcard.*(users\/\$\{aws:PrincipalTag\/userId\}\/.*STS|below users\/, where every user file lives)/,
      ),
      // COG2 flags MFA not required; COG8 the Plus feature plan not chosen: both say how to get it.
      'AwsSolutions::AwsSolutions-COG2': expect.stringMatching(/MFA.*existingUserPool/),
      'AwsSolutions::AwsSolutions-COG8': expect.stringMatching(/Plus.*cognitoFeaturePlan=plus/),
    });
  });

  it('reports problems when there are some, so an empty report means something', () => {
    const app = new App({ context: report });
    new s3.Bucket(new Stack(app, 'Careless'), 'Public', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(nagFindings(app)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1 at Careless/Public/Resource', 'AwsSolutions-S2 at Careless/Public/Resource']),
    );
  });

  it('reports problems in the app as the tests above synthesise it, not only in a fresh one', () => {
    const { app, stack } = synthesize(report, {}, true);
    new s3.Bucket(stack, 'Public', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY });

    expect(nagFindings(app)).toEqual(expect.arrayContaining(['AwsSolutions-S1 at SecureFileService/Public/Resource']));
  });
});
