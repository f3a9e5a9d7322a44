import { contentDisposition, decodeRfc5987, encodeRfc5987 } from '../../../lambdas/shared/content-disposition';

describe('contentDisposition', () => {
  it('carries an ASCII fallback and the UTF-8 original (RFC 6266, RFC 5987)', () => {
    expect(contentDisposition('attachment', 'Ete-2026.jpg', "Été 2026 (it's *mine*!).jpg")).toBe(
      `attachment; filename="Ete-2026.jpg"; filename*=UTF-8''%C3%89t%C3%A9%202026%20%28it%27s%20%2Amine%2A%21%29.jpg`,
    );
  });

  it('round-trips through decodeRfc5987 and rejects broken encodings', () => {
    const name = '報告 (v2).pdf';

    expect(decodeRfc5987(encodeRfc5987(name))).toBe(name);
    expect(decodeRfc5987('%E0%A4%A')).toBeUndefined();
  });
});
