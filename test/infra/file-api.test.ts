import { resourceOf, templateOf } from './synth';
import { PUBLIC_ROUTES, ROUTES, routesOf, type RouteKey } from '../../contract/routes';
import { API_FUNCTION_NAMES, FUNCTIONS } from '../../lib/functions';

const template = templateOf();
const api = resourceOf(template, 'AWS::ApiGatewayV2::Api', 'FileServiceApiHttpApi');
const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties);
const authorizer = resourceOf(template, 'AWS::ApiGatewayV2::Authorizer', 'FileServiceApiHttpApiCognitoAuthorizer');
const stage = resourceOf(template, 'AWS::ApiGatewayV2::Stage', 'FileServiceApiDefaultStage');

describe('the HTTP API', () => {
  it('has exactly the routes the handlers answer', () => {
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it('puts every route behind the Cognito JWT authorizer, except GET /health alone', () => {
    const open = routes.filter((route) => route.AuthorizationType !== 'JWT');

    expect(PUBLIC_ROUTES).toEqual(['GET /health']);
    expect(open).toEqual([expect.objectContaining({ RouteKey: 'GET /health', AuthorizationType: 'NONE' })]);
    expect(open[0]?.AuthorizerId).toBeUndefined();
    for (const route of routes.filter((candidate) => candidate.RouteKey !== 'GET /health')) {
      expect(route).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizer.id } });
    }
  });

  it('requires a scope on every route but the public ones, so that only access tokens pass (ID tokens carry none)', () => {
    const guarded = routes.filter((route) => !PUBLIC_ROUTES.includes(route.RouteKey as RouteKey));
    expect(guarded.length).toBe(Object.keys(ROUTES).length - PUBLIC_ROUTES.length);
    for (const route of guarded) expect(route.AuthorizationScopes).toEqual(['aws.cognito.signin.user.admin']);
  });

  it('requires the scopes configured instead', () => {
    const custom = templateOf({ authorizationScopes: 'files/read,files/write' });
    const customRoutes = Object.values(custom.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties);

    const guarded = customRoutes.filter((route) => !PUBLIC_ROUTES.includes(route.RouteKey as RouteKey));
    expect(guarded.length).toBeGreaterThan(0);
    for (const route of guarded) expect(route.AuthorizationScopes).toEqual(['files/read', 'files/write']);
  });

  it('names the pool as issuer in the partition’s own domain, never amazonaws.com', () => {
    expect(authorizer.properties.JwtConfiguration).toMatchObject({
      Issuer: {
        'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/', expect.anything()]],
      },
    });
  });

  it('sends each route to the function the contract names, and no route to the verifier', () => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const functionOf = (route: Record<string, unknown>) => {
      const [, [, integration]] = (route.Target as { 'Fn::Join': [string, [string, { Ref: string }]] })['Fn::Join'];
      const uri = integrations[integration.Ref]?.Properties.IntegrationUri as { 'Fn::GetAtt': [string, string] };
      return uri['Fn::GetAtt'][0].replace(/^FileService(\w+?)Function[0-9A-F]{8}$/, '$1');
    };

    expect(Object.fromEntries(routes.map((route) => [route.RouteKey, functionOf(route)]))).toEqual(
      Object.fromEntries(Object.entries(ROUTES).map(([routeKey, name]) => [routeKey, FUNCTIONS[name].id])),
    );
    expect(API_FUNCTION_NAMES).not.toContain('verifier');
    expect(API_FUNCTION_NAMES.filter((name) => routesOf(name).length === 0)).toEqual([]);
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

  it('allows CORS for the configured origins only, with the methods of the routes, without credentials', () => {
    expect(api.properties.CorsConfiguration).toEqual({
      AllowOrigins: ['http://localhost:3000'],
      AllowMethods: ['POST', 'GET', 'DELETE'],
      AllowHeaders: ['authorization', 'content-type'],
      ExposeHeaders: ['retry-after', 'ratelimit', 'ratelimit-policy'],
      MaxAge: 3600,
    });
  });

  it('throttles every route, /health too, by the stage’s default route settings alone', () => {
    expect(stage.properties.RouteSettings).toBeUndefined();
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
