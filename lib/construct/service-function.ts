import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SESSION_TAG_KEY } from '../../lambdas/shared/keys';
import { ROLE_SESSION_SECONDS } from '../../lambdas/shared/settings';
import { FUNCTION_DEFAULTS } from '../functions';
import { functionBundling } from './function-bundling';

/** Properties of a `ServiceFunction`. */
export interface ServiceFunctionProps {
  /** The handler file. */
  readonly entry: string;
  /** A description of the function, shown in the console. */
  readonly description: string;
  /**
   * The function's environment (bucket, table, settings), given the signing role's ARN when it has one.
   */
  readonly environment: (signingRoleArn?: string) => Record<string, string>;
  /**
   * What the signing role may do: the only S3 permissions this function's URLs can ever carry.
   * @default no signing role: the function signs nothing
   */
  readonly signingStatements?: iam.PolicyStatement[];
  /**
   * What the function itself may do besides writing its logs (the table, the bucket).
   * @default nothing else
   */
  readonly executionStatements?: iam.PolicyStatement[];
  /** @default `FUNCTION_DEFAULTS.timeoutSeconds` */
  readonly timeout?: Duration;
  /** How long the function's logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** What happens to the log group when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A Lambda function of the service, with a log group and an execution role of its own that may
 * write those logs and do what `executionStatements` say, nothing else.
 *
 * A function that signs URLs (`signingStatements`) has a third identity: the signing role,
 * which trusts only this execution role, only with a `userId` session tag, and holds the S3
 * permissions; the execution role may only assume it. The handler assumes it per user, so IAM
 * confines each URL to the user's prefix.
 */
export class ServiceFunction extends Construct {
  /** The function. */
  readonly function: NodejsFunction;
  /** The role the function runs as. */
  readonly executionRole: iam.Role;
  /** The role whose per-user sessions sign the URLs, for a function that signs. */
  readonly signingRole?: iam.Role;
  /** The function's log group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.signingStatements
        ? `Runs ${id}: writes its logs, assumes its signing role, and what lib/functions.ts grants it`
        : `Runs ${id}: writes its logs, and what lib/functions.ts grants it`,
    });
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    if (props.signingStatements) {
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
    }
    for (const statement of props.executionStatements ?? []) this.executionRole.addToPolicy(statement);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: FUNCTION_DEFAULTS.memorySizeMb,
      timeout: props.timeout ?? Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds),
      role: this.executionRole,
      logGroup: this.logGroup,
      environment: props.environment(this.signingRole?.roleArn),
      bundling: functionBundling(props.entry),
    });
  }
}
