/** A cancelled single PUT leaves no pending record behind: the client deletes it by id. */
import { createFileClient } from '../../client';
import { API, FILE_ID, fakeFetch, json, S3 } from './fake-api';

const singlePut = {
  id: FILE_ID,
  key: `users/alice/${FILE_ID}/a.txt`,
  status: 'pending',
  method: 'PUT',
  url: `${S3}/a.txt?X-Amz-Signature=s`,
  headers: { 'content-type': 'text/plain', 'content-length': '3' },
  expiresAt: '',
};

function cancelledDuringPut(deleteAnswer: () => Response) {
  const controller = new AbortController();
  const fake = fakeFetch((request) => {
    if (request.url === `${API}/uploads`) return json(singlePut);
    if (request.method === 'DELETE') return deleteAnswer();
    if (request.method === 'PUT') controller.abort();
    return undefined;
  });
  const client = createFileClient({ apiUrl: API, getToken: () => 'token', fetch: fake.fetch, retries: 0 });
  const upload = client.upload(new Uint8Array(3), { filename: 'a.txt', contentType: 'text/plain', signal: controller.signal });
  const deletes = () => fake.requests.filter((request) => request.method === 'DELETE').map((request) => request.url.slice(API.length));
  return { upload, deletes };
}

it('deletes the pending record of a single PUT cancelled mid-way, then rejects with ABORTED', async () => {
  const { upload, deletes } = cancelledDuringPut(() => new Response(null, { status: 204 }));

  await expect(upload).rejects.toMatchObject({ code: 'ABORTED' });
  expect(deletes()).toEqual([`/files/${FILE_ID}`]);
});

it('still rejects with ABORTED when the delete fails: the record then expires with its URL', async () => {
  const { upload, deletes } = cancelledDuringPut(() => json({ error: { code: 'STORAGE_UNAVAILABLE', message: 'x' } }, 503));

  await expect(upload).rejects.toMatchObject({ code: 'ABORTED' });
  expect(deletes()).toEqual([`/files/${FILE_ID}`]);
});
