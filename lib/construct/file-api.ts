import { Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { apiCorsRule, type FileServiceSettings } from '../../lambdas/shared/settings';

/** A function and the routes it answers. */
interface FileApiIntegration {
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
  /** The settings whose origins (CORS), throttling and required scopes shape the API. */
  readonly settings: FileServiceSettings;
  /** The functions and their routes, each route behind the user-pool authorizer unless it is public. */
  readonly integrations: readonly FileApiIntegration[];
  /**
   * Route keys answered without a token (a health check). Throttled like every other route.
   * @default none: every route needs a token
   */
  readonly publicRouteKeys?: readonly string[];
  /** How long access logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** What happens to the access log group when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The HTTP API (API Gateway v2): every route but the public ones behind a Cognito user-pool JWT authorizer, CORS
 * for the configured origins only, a throttled default stage, and JSON access logs that carry
 * the request id our handlers log too.
 */
export class FileApi extends Construct {
  /** The HTTP API. */
  readonly httpApi: apigw.HttpApi;
  /** Its default stage. */
  readonly stage: apigw.HttpStage;
  /** The access log group of the default stage. */
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FileApiProps) {
    super(scope, id);

    const cors = apiCorsRule(props.settings);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Issues presigned URLs for the file service',
      createDefaultStage: false,
      // CDK's HttpUserPoolAuthorizer writes the issuer with `amazonaws.com`, wrong in China and other partitions.
      defaultAuthorizer: new HttpJwtAuthorizer(
        'CognitoAuthorizer',
        `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${props.userPool.userPoolId}`,
        { jwtAudience: props.userPoolClients.map((client) => client.userPoolClientId) },
      ),
      corsPreflight: {
        allowOrigins: [...cors.allowedOrigins],
        allowMethods: cors.allowedMethods.map((method) => apigw.CorsHttpMethod[method]),
        allowHeaders: [...cors.allowedHeaders],
        exposeHeaders: [...cors.exposedHeaders],
        maxAge: Duration.seconds(cors.maxAgeSeconds),
      },
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.settings.throttleRateLimit, burstLimit: props.settings.throttleBurstLimit },
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

    const publicRouteKeys = new Set(props.publicRouteKeys);
    const routed = new Set(props.integrations.flatMap(({ routeKeys }) => routeKeys));
    const strays = [...publicRouteKeys].filter((routeKey) => !routed.has(routeKey));
    if (strays.length > 0) throw new Error(`Public routes without an integration: ${strays.join(', ')}`);
    for (const { name, function: handler, routeKeys } of props.integrations) {
      const integration = new HttpLambdaIntegration(`${name}Integration`, handler);
      for (const routeKey of routeKeys) {
        const [method, path] = routeKey.split(' ') as [keyof typeof apigw.HttpMethod, string];
        const isPublic = publicRouteKeys.has(routeKey);
        const routes = this.httpApi.addRoutes({
          path,
          methods: [apigw.HttpMethod[method]],
          integration,
          // ID tokens carry no scope: with one required, API Gateway accepts access tokens only.
          ...(isPublic ? { authorizer: new apigw.HttpNoneAuthorizer() } : { authorizationScopes: [...props.settings.authorizationScopes] }),
        });
        if (!isPublic) continue;
        for (const route of routes) {
          Validations.of(route).acknowledge({
            id: 'AwsSolutions::AwsSolutions-APIG4',
            reason:
              `${routeKey} is public by design (a load balancer or uptime check has no token): it answers only ` +
              'ok or degraded, from cached checks, and is throttled like every other route.',
          });
        }
      }
    }
  }

  /** The API's base URL, without a trailing slash. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
