import { resourceOf, templateOf } from './synth';
import { ROUTES } from '../../contract/routes';

const template = templateOf();
const api = resourceOf(template, 'AWS::ApiGatewayV2::Api', 'FileServiceApiHttpApi');
const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties);
const authorizer = resourceOf(template, 'AWS::ApiGatewayV2::Authorizer', 'FileServiceApiHttpApiCognitoAuthorizer');
const stage = resourceOf(template, 'AWS::ApiGatewayV2::Stage', 'FileServiceApiDefaultStage');

describe('the HTTP API', () => {
  it('has exactly the routes the handlers answer', () => {
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it('puts every route behind the Cognito JWT authorizer', () => {
    for (const route of routes) {
      expect(route).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizer.id } });
    }
  });

  it('requires a scope on every route, so that only access tokens pass (ID tokens carry none)', () => {
    for (const route of routes) expect(route.AuthorizationScopes).toEqual(['aws.cognito.signin.user.admin']);
  });

  it('requires the scopes configured instead', () => {
    const custom = templateOf({ authorizationScopes: 'files/read,files/write' });
    const customRoutes = Object.values(custom.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties);

    expect(customRoutes.length).toBeGreaterThan(0);
    for (const route of customRoutes) expect(route.AuthorizationScopes).toEqual(['files/read', 'files/write']);
  });

  it('names the pool as issuer in the partition’s own domain, never amazonaws.com', () => {
    expect(authorizer.properties.JwtConfiguration).toMatchObject({
      Issuer: {
        'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/', expect.anything()]],
      },
    });
  });

  it('accepts only tokens of the user pool’s app client', () => {
    expect(authorizer.properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: expect.stringMatching(/^UsersWebClient/) }],
        Issuer: { 'Fn::Join': ['', expect.arrayContaining([expect.objectContaining({ Ref: expect.stringMatching(/^Users/) })])] },
      },
    });
  });

  it('allows CORS for the configured origins only, without credentials', () => {
    expect(api.properties.CorsConfiguration).toEqual({
      AllowOrigins: ['http://localhost:3000'],
      AllowMethods: ['GET', 'POST'],
      AllowHeaders: ['authorization', 'content-type'],
      MaxAge: 3600,
    });
  });

  it('throttles the default route', () => {
    expect(stage.properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
  });

  it('takes its throttling from context', () => {
    const custom = resourceOf(
      templateOf({ throttleRateLimit: '5', throttleBurstLimit: '10' }),
      'AWS::ApiGatewayV2::Stage',
      'FileServiceApiDefaultStage',
    );

    expect(custom.properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
  });

  it('writes JSON access logs that carry the request id the handlers log', () => {
    const settings = stage.properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const format = JSON.parse(settings.Format);

    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      userId: '$context.authorizer.claims.sub',
    });
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FileServiceApiAccessLogs/), 'Arn'] });
  });
});
