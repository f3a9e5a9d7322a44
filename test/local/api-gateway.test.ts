import { ROUTES, type RouteKey } from '../../contract/routes';
import { matchRoute } from '../../local/api-gateway';

const routeKeys = Object.keys(ROUTES) as RouteKey[];

describe('matchRoute, as API Gateway matches routes', () => {
  it('takes a literal route over a template, and passes {id} URL-decoded', () => {
    expect(matchRoute(routeKeys, 'GET', '/files')).toEqual({ routeKey: 'GET /files' });
    expect(matchRoute(routeKeys, 'GET', '/files/abc%2Fdef')).toEqual({ routeKey: 'GET /files/{id}', pathParameters: { id: 'abc/def' } });
    expect(matchRoute(routeKeys, 'POST', '/uploads/x/parts')).toEqual({
      routeKey: 'POST /uploads/{id}/parts',
      pathParameters: { id: 'x' },
    });
  });

  it.each([
    ['an empty segment', 'GET', '/files/'],
    ['one segment too many', 'GET', '/files/a/b'],
    ['another method', 'PUT', '/files/a'],
    ['a malformed escape', 'GET', '/files/%E0%A4%A'],
  ])('matches nothing for %s', (_, method, path) => {
    expect(matchRoute(routeKeys, method, path)).toBeUndefined();
  });
});
