import { ArnFormat, CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { SecureFileService, type SecureFileServiceProps } from '../construct/secure-file-service';
import { guardLocalhostOnlyOrigins } from './localhost-origins';

/** An existing user pool to use instead of creating one. */
export interface ExistingUserPool {
  readonly userPoolId: string;
  readonly userPoolClientId: string;
}

/** How the created app client lets users sign in. */
export interface AppClientOptions {
  /**
   * OAuth callback URLs (the hosted UI or a federated sign-in returns here). With some, the
   * client allows the authorization code flow only (use PKCE: the client has no secret).
   * @default none: OAuth is off, users sign in with SRP (`USER_SRP_AUTH`)
   */
  readonly callbackUrls?: string[];
  /** Where the hosted UI may send users after sign-out. @default none */
  readonly logoutUrls?: string[];
  /**
   * Allow `USER_PASSWORD_AUTH` (the password sent to Cognito over TLS rather than SRP), for
   * scripts and the README walk-through.
   * @default false: SRP only
   */
  readonly passwordAuth?: boolean;
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
  /** How the created app client lets users sign in (ignored with `existingUserPool`). @default SRP only, no OAuth */
  readonly appClient?: AppClientOptions;
  /**
   * The created pool's feature plan: Lite, Essentials, or Plus (threat protection, billed per active user).
   * @default cognito.FeaturePlan.ESSENTIALS
   */
  readonly featurePlan?: cognito.FeaturePlan;
  /**
   * Deploy although every allowed origin is `http://localhost`; otherwise CloudFormation refuses the deploy.
   * @default false
   */
  readonly allowLocalhostOnly?: boolean;
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
      : this.createUserPool(props.service?.settings?.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN, props);

    const alarmTopic = props.alarmEmail ? this.createAlarmTopic(props.alarmEmail) : undefined;
    this.service = new SecureFileService(this, 'FileService', {
      ...props.service,
      userPool,
      userPoolClients: [userPoolClient],
      ...(alarmTopic && { monitoring: { ...props.service?.monitoring, alarmTopic } }),
    });

    guardLocalhostOnlyOrigins(this, this.service.settings.allowedOrigins, props.allowLocalhostOnly ?? false);

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
    // A topic policy replaces the default one, which let the account's services publish: without this
    // statement the TLS deny would be the whole policy, and CloudWatch could not deliver a single alarm.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }

  private createUserPool(removalPolicy: RemovalPolicy, props: FileServiceStackProps) {
    const featurePlan = props.featurePlan ?? cognito.FeaturePlan.ESSENTIALS;
    const userPool = new cognito.UserPool(this, 'Users', {
      // Chosen, not defaulted: CloudFormation's default has changed before (Lite, then Essentials).
      featurePlan,
      // A pool holds every user's account: deleting it takes a deliberate step, unless the stack is meant to go.
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      // Users are invited by an administrator; turn on sign-up in your own pool if you want it.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG2',
      reason: 'MFA is optional (TOTP) so that invited users can sign in first; require it in your pool via existingUserPool.',
    });
    if (featurePlan !== cognito.FeaturePlan.PLUS) {
      Validations.of(userPool).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG8',
        reason: `The ${featurePlan} feature plan is set explicitly: Plus (threat protection) is billed per active user; choose it with -c cognitoFeaturePlan=plus.`,
      });
    }
    const { callbackUrls = [], logoutUrls = [], passwordAuth = false } = props.appClient ?? {};
    const userPoolClient = userPool.addClient('WebClient', {
      // A browser cannot keep a secret.
      generateSecret: false,
      // SRP never sends the password; password auth only when asked for (scripts, the README walk-through).
      authFlows: { userSrp: true, userPassword: passwordAuth },
      preventUserExistenceErrors: true,
      // CDK's defaults would allow the implicit and code flows to https://example.com with every scope.
      ...(callbackUrls.length === 0
        ? { disableOAuth: true }
        : {
            oAuth: {
              flows: { authorizationCodeGrant: true },
              // The sign-in scope keeps hosted-UI access tokens acceptable to the API's default scope.
              scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.COGNITO_ADMIN],
              callbackUrls,
              logoutUrls,
            },
          }),
    });
    return { userPool, userPoolClient };
  }
}
