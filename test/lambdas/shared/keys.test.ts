import {
  authorizeKey,
  checkedFileName,
  extensionOf,
  MAX_SAFE_NAME_LENGTH,
  newObjectKey,
  parseObjectKey,
  safeFileName,
  SAFE_NAME_PATTERN,
} from '../../../lambdas/shared/keys';
import { ALICE, BOB, aKey } from '../../builders';

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
  it('parses back the longest safe name it makes', () => {
    const name = safeFileName(`${'a'.repeat(300)}.jpeg`, 'jpeg');

    expect(name).toHaveLength(MAX_SAFE_NAME_LENGTH);
    expect(parseObjectKey(aKey(ALICE, name))?.name).toBe(name);
  });

  it('makes keys under the owner prefix that parse back', () => {
    const key = newObjectKey(ALICE, 'a.jpg');

    expect(parseObjectKey(key)).toEqual({ key, ownerId: ALICE, objectId: expect.any(String), name: 'a.jpg' });
  });

  it('binds a multipart upload’s declared size into its key', () => {
    const key = newObjectKey(ALICE, 'film.mp4', 104_857_601);

    expect(key).toMatch(new RegExp(`^users/${ALICE}/[0-9a-f-]{36}\\.104857601/film\\.mp4$`));
    expect(parseObjectKey(key)).toMatchObject({ declaredSize: 104_857_601, name: 'film.mp4' });
  });

  it.each([
    ['outside users/', 'uploads/a.jpg'],
    ['traversal', `users/${ALICE}/../${BOB}/a.jpg`],
    ['no object id', `users/${ALICE}/a.jpg`],
    ['an unsafe name', `users/${ALICE}/0f8fad5b-d9cb-469f-a165-70867728950e/a b.jpg`],
    ['a declared size with a leading zero', `users/${ALICE}/0f8fad5b-d9cb-469f-a165-70867728950e.0100/a.jpg`],
    ['a declared size of 15 digits', `users/${ALICE}/0f8fad5b-d9cb-469f-a165-70867728950e.${'9'.repeat(15)}/a.jpg`],
    ['over 1024 bytes', `users/${'a'.repeat(1100)}/0f8fad5b-d9cb-469f-a165-70867728950e/a.jpg`],
    ['whose name is longer than any safe name', aKey(ALICE, `${'a'.repeat(MAX_SAFE_NAME_LENGTH - 3)}.jpg`)],
  ])('does not parse a key %s', (_, key) => {
    expect(parseObjectKey(key)).toBeUndefined();
  });

  it('authorises writes and owner reads only under the caller’s own prefix', () => {
    expect(authorizeKey(aKey(ALICE), ALICE, 'write').ownerId).toBe(ALICE);
    expect(() => authorizeKey(aKey(BOB), ALICE, 'write')).toThrow(expect.objectContaining({ code: 'FORBIDDEN_KEY', status: 403 }));
    expect(() => authorizeKey(aKey(BOB), ALICE, 'owner')).toThrow(expect.objectContaining({ code: 'FORBIDDEN_KEY' }));
    expect(authorizeKey(aKey(BOB), ALICE, 'authenticated').ownerId).toBe(BOB);
  });

  it('refuses a key that is not ours with 400 before looking at its owner', () => {
    expect(() => authorizeKey('users/x', ALICE, 'authenticated')).toThrow(expect.objectContaining({ code: 'INVALID_KEY', status: 400 }));
  });
});
