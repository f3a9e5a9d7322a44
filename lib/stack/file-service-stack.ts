import { CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { SecureFileService, type SecureFileServiceProps } from '../construct/secure-file-service';

/** An existing user pool to use instead of creating one. */
export interface ExistingUserPool {
  readonly userPoolId: string;
  readonly userPoolClientId: string;
}

/** Properties of a `FileServiceStack`. */
export interface FileServiceStackProps extends StackProps {
  /** How the service is tuned; every field has a secure default. */
  readonly service?: Omit<SecureFileServiceProps, 'userPool' | 'userPoolClients'>;
  /**
   * Use this user pool and app client instead of creating them.
   * @default a new user pool (admin-created users, strong passwords, optional TOTP MFA) and app client
   */
  readonly existingUserPool?: ExistingUserPool;
  /**
   * An email address the alarms notify, through a new SNS topic (the address must confirm the
   * subscription first). Takes the place of `service.monitoring.alarmTopic`.
   * @default no topic: alarms change state without notifying anyone
   */
  readonly alarmEmail?: string;
}

/**
 * The deployable app: a `SecureFileService` with a Cognito user pool, and the outputs a
 * frontend needs (the same names local mode writes to `.local/outputs.json`).
 */
export class FileServiceStack extends Stack {
  /** The file service. */
  readonly service: SecureFileService;

  constructor(scope: Construct, id: string, props: FileServiceStackProps = {}) {
    super(scope, id, props);
    const { userPool, userPoolClient } = props.existingUserPool
      ? {
          userPool: cognito.UserPool.fromUserPoolId(this, 'Users', props.existingUserPool.userPoolId),
          userPoolClient: cognito.UserPoolClient.fromUserPoolClientId(this, 'WebClient', props.existingUserPool.userPoolClientId),
        }
      : this.createUserPool(props.service?.settings?.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);

    const alarmTopic = props.alarmEmail ? this.createAlarmTopic(props.alarmEmail) : undefined;
    this.service = new SecureFileService(this, 'FileService', {
      ...props.service,
      userPool,
      userPoolClients: [userPoolClient],
      ...(alarmTopic && { monitoring: { ...props.service?.monitoring, alarmTopic } }),
    });

    const outputs: Record<string, string> = {
      ApiUrl: this.service.apiUrl,
      Region: this.region,
      UserPoolId: userPool.userPoolId,
      UserPoolClientId: userPoolClient.userPoolClientId,
      CognitoEndpoint: `https://cognito-idp.${this.region}.${this.urlSuffix}`,
      BucketName: this.service.bucket.bucketName,
      TableName: this.service.table.tableName,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }

  private createAlarmTopic(email: string): sns.Topic {
    // Not KMS-encrypted: notifications carry alarm names, states and thresholds, no user data, and CloudWatch
    // can only publish to an encrypted topic through a customer-managed key, a monthly cost this does not need.
    const topic = new sns.Topic(this, 'Alarms', { displayName: 'Secure file service alarms', enforceSSL: true });
    topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }

  private createUserPool(removalPolicy: RemovalPolicy) {
    const userPool = new cognito.UserPool(this, 'Users', {
      // Users are invited by an administrator; turn on sign-up in your own pool if you want it.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy,
    });
    Validations.of(userPool).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-COG2',
        reason: 'MFA is optional (TOTP) so that invited users can sign in first; require it in your pool via existingUserPool.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG8',
        reason: 'The Plus feature plan (threat protection) is billed per active user; choose it in your own pool via existingUserPool.',
      },
    );
    const userPoolClient = userPool.addClient('WebClient', {
      // A browser cannot keep a secret.
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: true },
      preventUserExistenceErrors: true,
    });
    return { userPool, userPoolClient };
  }
}
