import {
  checkedFileName,
  extensionOf,
  newFileId,
  objectKeyOf,
  parseObjectKey,
  safeFileName,
  SAFE_NAME_PATTERN,
} from '../../../lambdas/shared/keys';
import { ALICE, BOB } from '../../builders';

describe('safeFileName', () => {
  it.each([
    ['Holiday photo.jpg', 'jpg', 'Holiday-photo.jpg'],
    ['Résumé (final).PDF', 'pdf', 'Resume-final.pdf'],
    ['report.php.jpg', 'jpg', 'report-php.jpg'],
    ['../../etc/passwd.jpg', 'jpg', 'etc-passwd.jpg'],
    ['報告.pdf', 'pdf', 'file.pdf'],
    ['.jpg', 'jpg', 'file.jpg'],
    ['__--a__--.png', 'png', 'a.png'],
  ])('reduces %j to %j', (original, extension, expected) => {
    expect(safeFileName(original, extension)).toBe(expected);
  });

  it('bounds long names and keeps the extension', () => {
    const name = safeFileName(`${'x'.repeat(500)}.mp4`, 'mp4');

    expect(name).toHaveLength(120);
    expect(name.endsWith('.mp4')).toBe(true);
    expect(name).toMatch(SAFE_NAME_PATTERN);
  });
});

describe('checkedFileName', () => {
  it('normalises to NFC and trims', () => {
    expect(checkedFileName(' Re\u0301sume\u0301.pdf ')).toBe('Résumé.pdf');
  });

  it('accepts 255 Latin characters, and as many CJK ones as fit in S3’s metadata once percent-encoded', () => {
    expect(checkedFileName(`${'a'.repeat(251)}.jpg`)).toHaveLength(255);
    expect(checkedFileName(`${'報'.repeat(220)}.pdf`)).toHaveLength(224);
  });

  it.each([
    ['empty', ''],
    ['a control character', 'a\tb.jpg'],
    ['a C1 control character', 'a\u0085b.jpg'],
    ['a right-to-left override', 'a\u202Egpj.exe'],
    ['a slash', 'dir/a.jpg'],
    ['a backslash', 'dir\\a.jpg'],
    ['256 characters', `${'a'.repeat(252)}.jpg`],
    ['a lone surrogate', 'a\udc00.jpg'],
    ['230 CJK characters: 2 KB percent-encoded, over S3’s metadata limit', `${'報'.repeat(226)}.pdf`],
  ])('refuses a name with %s', (_, name) => {
    expect(() => checkedFileName(name)).toThrow(expect.objectContaining({ code: 'INVALID_FILENAME', status: 400 }));
  });
});

describe('extensionOf', () => {
  it.each([
    ['a.JPG', 'jpg'],
    ['a.tar.gz', 'gz'],
    ['.bashrc', undefined],
    ['noext', undefined],
    ['trailing.', undefined],
  ])('%j → %j', (name, extension) => {
    expect(extensionOf(name)).toBe(extension);
  });
});

describe('object keys', () => {
  it('makes keys under the owner prefix that parse back to owner, file id and name', () => {
    const id = newFileId();
    const key = objectKeyOf(ALICE, id, 'a.jpg');

    expect(parseObjectKey(key)).toEqual({ key, ownerId: ALICE, fileId: id, name: 'a.jpg' });
  });

  it('makes file ids of 22 URL-safe characters that never repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, newFileId));

    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it.each([
    ['outside users/', 'uploads/a.jpg'],
    ['traversal', `users/${ALICE}/../${BOB}/a.jpg`],
    ['no file id', `users/${ALICE}/a.jpg`],
    ['an unsafe name', `users/${ALICE}/AAAAAAAAAAAAAAAAAAAAAA/a b.jpg`],
    ['a file id one character short', `users/${ALICE}/AAAAAAAAAAAAAAAAAAAAA/a.jpg`],
    ['an old UUID-style id', `users/${ALICE}/0f8fad5b-d9cb-469f-a165-70867728950e/a.jpg`],
    ['over 1024 bytes', `users/${'a'.repeat(1100)}/AAAAAAAAAAAAAAAAAAAAAA/a.jpg`],
  ])('does not parse a key %s', (_, key) => {
    expect(parseObjectKey(key)).toBeUndefined();
  });
});
