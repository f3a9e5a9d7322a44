import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** A function and the routes it answers. */
export interface FileApiIntegration {
  /** Names the integration. */
  readonly name: string;
  readonly function: lambda.IFunction;
  /** Route keys such as `POST /uploads`. */
  readonly routeKeys: readonly string[];
}

/** Properties of a `FileApi`. */
export interface FileApiProps {
  /** The user pool whose tokens the API accepts. */
  readonly userPool: cognito.IUserPool;
  /** The app clients whose tokens the API accepts (the JWT audience). */
  readonly userPoolClients: cognito.IUserPoolClient[];
  /** Scopes every route requires; a token must carry at least one. Only access tokens carry scopes. */
  readonly authorizationScopes: readonly string[];
  /** Browser origins allowed to call the API. */
  readonly allowedOrigins: readonly string[];
  /** The functions and their routes, each route behind the user-pool authorizer. */
  readonly integrations: readonly FileApiIntegration[];
  /** Steady-state requests per second and burst of the default route. */
  readonly throttle: apigw.ThrottleSettings;
  /** How long access logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** What happens to the access log group when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The HTTP API (API Gateway v2): every route behind a Cognito user-pool JWT authorizer, CORS
 * for the configured origins only, a throttled default stage, and JSON access logs that carry
 * the request id our handlers log too.
 */
export class FileApi extends Construct {
  /** The HTTP API. */
  readonly api: apigw.HttpApi;
  /** Its default stage. */
  readonly stage: apigw.HttpStage;
  /** The access log group of the default stage. */
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FileApiProps) {
    super(scope, id);

    this.api = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Issues presigned URLs for the file service',
      createDefaultStage: false,
      // CDK's HttpUserPoolAuthorizer writes the issuer with `amazonaws.com`, wrong in China and other partitions.
      defaultAuthorizer: new HttpJwtAuthorizer(
        'CognitoAuthorizer',
        `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${props.userPool.userPoolId}`,
        { jwtAudience: props.userPoolClients.map((client) => client.userPoolClientId) },
      ),
      corsPreflight: {
        allowOrigins: [...props.allowedOrigins],
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            userId: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    for (const { name, function: handler, routeKeys } of props.integrations) {
      const integration = new HttpLambdaIntegration(`${name}Integration`, handler);
      for (const routeKey of routeKeys) {
        const [method, path] = routeKey.split(' ') as [keyof typeof apigw.HttpMethod, string];
        this.api.addRoutes({
          path,
          methods: [apigw.HttpMethod[method]],
          integration,
          // ID tokens carry no scope: with one required, API Gateway accepts access tokens only.
          authorizationScopes: [...props.authorizationScopes],
        });
      }
    }
  }

  /** The API's base URL, without a trailing slash. */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
