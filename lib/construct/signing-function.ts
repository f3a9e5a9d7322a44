import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SESSION_TAG_KEY } from '../../lambdas/shared/keys';
import { ROLE_SESSION_SECONDS } from '../../lambdas/shared/settings';
import { FUNCTION_DEFAULTS } from '../functions';

/**
 * How every function is bundled: minified ESM with the AWS SDK inside, preferring packages'
 * ESM builds (`module`) so esbuild can drop what we do not use. Bundle size is cold start.
 */
const FUNCTION_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  minify: true,
  sourceMap: false,
  target: 'node24',
  mainFields: ['module', 'main'],
  // The runtime's own SDK is a different version, loaded whole; ours is tree-shaken.
  bundleAwsSDK: true,
  logLevel: LogLevel.WARNING,
};

/** Properties of a `SigningFunction`. */
export interface SigningFunctionProps {
  /** The handler file. */
  readonly entry: string;
  /** What the signing role may do: the only S3 permissions this function's URLs can ever carry. */
  readonly signingStatements: iam.PolicyStatement[];
  /** Further environment of the function (bucket, settings); the signing role's ARN is added. */
  readonly environment: (signingRoleArn: string) => Record<string, string>;
  /** How long the function's logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** What happens to the log group when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** A description of the function, shown in the console. */
  readonly description: string;
  /**
   * How long one invocation may run; the handler's deadline is this minus a margin.
   * @default Duration.seconds(10)
   */
  readonly timeoutSeconds: number;
}

/**
 * A Lambda function that signs URLs with a role of its own.
 *
 * Three identities: the function's execution role may only write its logs and assume its
 * signing role with a `userId` session tag; the signing role trusts only that execution role,
 * only with that tag, and holds the S3 permissions. The handler assumes it per user, so IAM
 * confines each URL to the user's prefix.
 */
export class SigningFunction extends Construct {
  /** The function. */
  readonly function: NodejsFunction;
  /** The role the function runs as. */
  readonly executionRole: iam.Role;
  /** The role whose per-user sessions sign the URLs. */
  readonly signingRole: iam.Role;
  /** The function's log group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SigningFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${id}: writes its logs and assumes its signing role, nothing else`,
    });
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.signingRole = new iam.Role(this, 'SigningRole', {
      assumedBy: new iam.PrincipalWithConditions(new iam.SessionTagsPrincipal(new iam.ArnPrincipal(this.executionRole.roleArn)), {
        // Every session must carry the user's id, and nothing else, as its tag.
        StringLike: { [`aws:RequestTag/${SESSION_TAG_KEY}`]: '?*' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [SESSION_TAG_KEY] },
      }),
      description: `Signs ${id} URLs, one session per user (session tag ${SESSION_TAG_KEY})`,
      maxSessionDuration: Duration.seconds(ROLE_SESSION_SECONDS),
      inlinePolicies: { Objects: new iam.PolicyDocument({ statements: props.signingStatements }) },
    });
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeSigningRoleWithUserTag',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: [this.signingRole.roleArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: FUNCTION_DEFAULTS.memorySizeMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      role: this.executionRole,
      logGroup: this.logGroup,
      environment: props.environment(this.signingRole.roleArn),
      bundling: FUNCTION_BUNDLING,
    });
  }
}
