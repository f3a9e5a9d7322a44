/**
 * The client as a consumer gets it from a registry: packed with `npm pack`, installed from the
 * tarball into a scratch project, type-checked under each module resolution a TypeScript app
 * uses, then run by Node.js.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';

jest.setTimeout(120_000);

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
let scratch: string;
let consumer: string;
let packed: string[];

/** Parsed files kept across the three checks: parsing the DOM's declarations is most of a check's time. */
const parsed = new Map<string, ts.SourceFile | undefined>();
function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const key = `${fileName}:${JSON.stringify(languageVersion)}`;
    if (!parsed.has(key)) parsed.set(key, getSourceFile(fileName, languageVersion, ...rest));
    return parsed.get(key);
  };
  return host;
}

/** Uses every kind of export: functions, the error class, and types from the contract. */
const CONSUMER = `
import { createFileClient, FileApiError, type ErrorCode, type FileRecord, type FileErrorCode } from '@secure-file-service/client';

const record: FileRecord = {
  id: 'AAAAAAAAAAAAAAAAAAAAAA', key: 'users/u/AAAAAAAAAAAAAAAAAAAAAA/a.txt', name: 'a.txt',
  size: 3, contentType: 'text/plain', status: 'available', createdAt: '2026-12-01T00:00:00.000Z',
};
const fakeFetch = async (input: string | URL | Request): Promise<Response> =>
  String(input).endsWith('/files/missing')
    ? new Response(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'No such file.' } }), { status: 404 })
    : new Response(JSON.stringify(record), { status: 200 });

const client = createFileClient({ apiUrl: 'https://api.example.com', getToken: () => 'token', fetch: fakeFetch });
const got: FileRecord = await client.get(record.id);
const notFound: ErrorCode = 'NOT_FOUND';
let code: FileErrorCode | undefined;
try {
  await client.get('missing');
} catch (error) {
  if (error instanceof FileApiError) code = error.code;
}
console.log(JSON.stringify({ status: got.status, code, matches: code === notFound }));
`;

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'client-package-'));
  const pkg = path.join(scratch, 'pkg');
  fs.mkdirSync(pkg);
  fs.copyFileSync(path.join(root, 'client', 'package.json'), path.join(pkg, 'package.json'));
  // A build of its own: client/dist may be rebuilt by another test at the same time.
  await run(process.execPath, [path.join(root, 'client', 'build.mjs'), path.join(pkg, 'dist')]);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: pkg });
  const [result] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  packed = result!.files.map((file) => file.path).sort();

  consumer = path.join(scratch, 'consumer');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(scratch, result!.filename)], { cwd: consumer });
  fs.writeFileSync(path.join(consumer, 'index.ts'), CONSUMER);
});

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

it('packs only the bundle, its declarations and package.json, and needs no runtime dependency', () => {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(consumer, 'node_modules', '@secure-file-service', 'client', 'package.json'), 'utf8'),
  );

  expect(packed).toEqual(['dist/index.d.mts', 'dist/index.d.ts', 'dist/index.mjs', 'package.json']);
  expect(manifest.dependencies).toBeUndefined();
  expect(fs.readdirSync(path.join(consumer, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['@secure-file-service']);
});

it.each([
  ['nodenext', { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }],
  ['node16', { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }],
  ['bundler', { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }],
])('type-checks a consumer under module resolution %s, declarations included', (_name, resolution) => {
  const options: ts.CompilerOptions = {
    ...resolution,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    strict: true,
    // The package's own declarations are checked too (TypeScript's own libs are not: they are TypeScript's).
    skipLibCheck: false,
    skipDefaultLibCheck: true,
    noEmit: true,
  };
  const program = ts.createProgram([path.join(consumer, 'index.ts')], options, cachingHost(options));

  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));

  expect(diagnostics).toEqual([]);
  expect(program.getSourceFiles().map((file) => path.basename(file.fileName))).toContain('index.d.mts');
});

it('runs the consumer in Node.js from the installed package', async () => {
  const output = ts.transpileModule(CONSUMER, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  fs.writeFileSync(path.join(consumer, 'index.js'), output.outputText);

  const { stdout } = await run(process.execPath, [path.join(consumer, 'index.js')], { cwd: consumer });

  expect(JSON.parse(stdout)).toEqual({ status: 'available', code: 'NOT_FOUND', matches: true });
});
