import { isUtf8Text, verifyContent } from '../../../lambdas/shared/verification';
import { EXE_BYTES, HTML_BYTES, JPEG_BYTES, PNG_BYTES } from '../../e2e/file-bytes';

const facts = (head: Uint8Array, declaredType: string, sizes: { stored?: number; declared?: number } = {}) => ({
  head,
  declaredType,
  storedSize: sizes.stored ?? head.length,
  declaredSize: sizes.declared ?? head.length,
});

describe('verifyContent', () => {
  it('accepts PNG bytes declared as image/png and JPEG bytes declared as image/jpeg', async () => {
    expect(await verifyContent(facts(PNG_BYTES, 'image/png'))).toEqual({ status: 'available' });
    expect(await verifyContent(facts(JPEG_BYTES, 'image/jpeg'))).toEqual({ status: 'available' });
  });

  it.each([
    ['an HTML page', HTML_BYTES],
    ['an executable', EXE_BYTES],
    ['JPEG bytes', JPEG_BYTES],
  ])('rejects %s declared as image/png as TYPE_MISMATCH', async (_what, bytes) => {
    expect(await verifyContent(facts(bytes, 'image/png'))).toEqual({ status: 'rejected', reason: 'TYPE_MISMATCH' });
  });

  it('rejects a stored size other than the declared one as SIZE_MISMATCH, before looking at the bytes', async () => {
    expect(await verifyContent(facts(PNG_BYTES, 'image/png', { declared: PNG_BYTES.length + 1 }))).toEqual({
      status: 'rejected',
      reason: 'SIZE_MISMATCH',
    });
  });

  it('accepts the zip container for an Office type, and refuses it for a PDF', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60)]);
    const docx = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

    expect((await verifyContent(facts(zip, docx))).status).not.toBe('rejected');
    expect(await verifyContent(facts(zip, 'application/pdf'))).toEqual({ status: 'rejected', reason: 'TYPE_MISMATCH' });
  });

  it('accepts UTF-8 text as text/plain and rejects text with a NUL or invalid UTF-8 as NOT_TEXT', async () => {
    expect(await verifyContent(facts(Buffer.from('héllo\n'), 'text/plain'))).toEqual({ status: 'available' });
    expect(await verifyContent(facts(Buffer.from('a\0b'), 'text/csv'))).toEqual({ status: 'rejected', reason: 'NOT_TEXT' });
    expect(await verifyContent(facts(Buffer.from([0x61, 0xff, 0x62]), 'text/plain'))).toEqual({ status: 'rejected', reason: 'NOT_TEXT' });
  });
});

describe('isUtf8Text', () => {
  it('forgives a character cut at the end of a prefix, and only of a prefix', () => {
    const cut = Buffer.from('é').subarray(0, 1);

    expect(isUtf8Text(cut, true)).toBe(true);
    expect(isUtf8Text(cut, false)).toBe(false);
  });
});
