/** `Range` as S3 reads it (RFC 9110 §14.1.2, a single range): what each form asks of a 1,000-byte object. */
import { resolveRange } from '../../local/byte-range';

it.each([
  ['bytes=0-0', { kind: 'partial', start: 0, end: 0 }],
  ['bytes=-1', { kind: 'partial', start: 999, end: 999 }],
  ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
  ['bytes=990-', { kind: 'partial', start: 990, end: 999 }],
  ['bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
  [' bytes=1-2 ', { kind: 'partial', start: 1, end: 2 }],
  ['bytes=-0', { kind: 'unsatisfiable' }],
  ['bytes=1000-', { kind: 'unsatisfiable' }],
  ['bytes=200-100', { kind: 'whole' }],
  ['bytes=0-1,5-6', { kind: 'whole' }],
  ['bytes=-', { kind: 'whole' }],
  ['items=0-1', { kind: 'whole' }],
  [undefined, { kind: 'whole' }],
] as const)('Range %s of 1,000 bytes → %o', (header, expected) => {
  expect(resolveRange(header, 1000)).toEqual(expected);
});

it('refuses any range of an empty object that asks for its last bytes', () => {
  expect(resolveRange('bytes=-1', 0)).toEqual({ kind: 'unsatisfiable' });
});
