/** How the client names an upload's type: aliases and generic types, with the config asked once. */
import { createFileClient, type ServiceConfig } from '../../client';
import { aFileRecord, API, FILE_ID, fakeFetch, json, S3 } from './fake-api';

const CONFIG: ServiceConfig = {
  allowedContentTypes: { 'audio/mp4': ['m4a'], 'application/pdf': ['pdf'], 'image/heic': ['heic'] },
  contentTypeAliases: { 'audio/x-m4a': 'audio/mp4', 'image/heif': 'image/heic' },
  maxUploadBytes: 1024,
  multipartThresholdBytes: 512,
};

beforeEach(() => jest.spyOn(Math, 'random').mockReturnValue(0));
afterEach(() => jest.restoreAllMocks());

function clientWithConfig(config: ServiceConfig | (() => Response) = CONFIG) {
  const fake = fakeFetch((request) => {
    const path = request.url.startsWith(API) ? request.url.slice(API.length) : '';
    if (path === '/config') return typeof config === 'function' ? config() : json(config);
    if (path === '/uploads') {
      const { contentType } = request.body as { contentType: string };
      return json({
        id: FILE_ID,
        key: `users/alice/${FILE_ID}/a`,
        status: 'pending',
        method: 'PUT',
        url: `${S3}/a?X-Amz-Signature=s`,
        headers: { 'content-type': contentType, 'content-length': '3' },
        expiresAt: '',
      });
    }
    if (path === `/files/${FILE_ID}`) return json(aFileRecord());
    return undefined;
  });
  const client = createFileClient({ apiUrl: API, getToken: () => 'token', fetch: fake.fetch });
  const asked = () => fake.requests.filter((request) => request.url.startsWith(API)).map((request) => request.url.slice(API.length));
  const declared = () =>
    fake.requests
      .filter((request) => request.url === `${API}/uploads`)
      .map((request) => (request.body as { contentType: string }).contentType);
  return { client, asked, declared, requests: fake.requests };
}

const blob = (type: string) => new Blob(['abc'], { type });

describe('config()', () => {
  it('answers GET /config and asks it only once', async () => {
    const { client, asked } = clientWithConfig();

    expect(await client.config()).toEqual(CONFIG);
    expect(await client.config()).toEqual(CONFIG);
    expect(asked()).toEqual(['/config']);
  });

  it('asks again after a failure rather than keeping it', async () => {
    let answers = 0;
    const { client, asked } = clientWithConfig(() =>
      ++answers === 1 ? json({ error: { code: 'NOT_FOUND', message: 'x' } }, 404) : json(CONFIG),
    );

    await expect(client.config()).rejects.toMatchObject({ status: 404 });
    expect(await client.config()).toEqual(CONFIG);
    expect(asked()).toEqual(['/config', '/config']);
  });
});

describe('upload() and the content type', () => {
  it.each([
    ['an empty type', ''],
    ['application/octet-stream', 'application/octet-stream'],
  ])('fills %s from the extension, with the allow-list of the config', async (_, type) => {
    const { client, declared } = clientWithConfig();

    await client.upload(blob(type), { filename: 'Report.PDF' });

    expect(declared()).toEqual(['application/pdf']);
  });

  it('sends the type of the signed headers in the PUT, whatever the Blob says', async () => {
    const { client, requests } = clientWithConfig();

    await client.upload(blob(''), { filename: 'report.pdf' });

    expect(requests.find((request) => request.method === 'PUT')?.headers['content-type']).toBe('application/pdf');
  });

  it('asks the config once for several uploads', async () => {
    const { client, asked } = clientWithConfig();

    await client.upload(blob(''), { filename: 'a.pdf' });
    await client.upload(blob('application/octet-stream'), { filename: 'b.m4a' });

    expect(asked().filter((path) => path === '/config')).toHaveLength(1);
  });

  it('maps an alias to its allowed type once the config is known', async () => {
    const { client, declared } = clientWithConfig();
    await client.config();

    await client.upload(blob('audio/x-m4a'), { filename: 'song.m4a' });
    await client.upload(blob('image/heif'), { filename: 'IMG_1.heic' });

    expect(declared()).toEqual(['audio/mp4', 'image/heic']);
  });

  it('does not ask the config for a type that says something: the API maps an alias itself', async () => {
    const { client, asked, declared } = clientWithConfig();

    await client.upload(blob('audio/x-m4a'), { filename: 'song.m4a' });

    expect(asked()).not.toContain('/config');
    expect(declared()).toEqual(['audio/x-m4a']);
  });

  it('leaves a generic type whose extension no allowed type has, for the API to refuse precisely', async () => {
    const { client, declared } = clientWithConfig();

    await client.upload(blob('application/octet-stream'), { filename: 'tool.exe' });

    expect(declared()).toEqual(['application/octet-stream']);
  });

  it('refuses an empty type whose extension no allowed type has, before asking for an upload', async () => {
    const { client, declared } = clientWithConfig();

    await expect(client.upload(blob(''), { filename: 'notes' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(declared()).toEqual([]);
  });
});
