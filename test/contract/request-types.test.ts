/**
 * The client's plain request types equal what the handlers' schemas accept: checked by the
 * compiler, here and in `npm run typecheck`, so a schema change that forgets its type fails.
 */
import * as path from 'node:path';
import ts from 'typescript';
import type * as v from 'valibot';
import type { CompleteUploadRequest, DownloadRequest, ListRequest, PartUrlsRequest, UploadRequest } from '../../contract/request-types';
import type {
  CompleteUploadRequestSchema,
  DownloadRequestSchema,
  ListRequestSchema,
  PartUrlsRequestSchema,
  UploadRequestSchema,
} from '../../contract/requests';

jest.setTimeout(60_000);

/** `true` only when A and B are the same type, optional and readonly modifiers included. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export const proofs = {
  upload: true satisfies Equal<UploadRequest, v.InferInput<typeof UploadRequestSchema>>,
  uploadOutput: true satisfies Equal<UploadRequest, v.InferOutput<typeof UploadRequestSchema>>,
  parts: true satisfies Equal<PartUrlsRequest, v.InferInput<typeof PartUrlsRequestSchema>>,
  complete: true satisfies Equal<CompleteUploadRequest, v.InferInput<typeof CompleteUploadRequestSchema>>,
  download: true satisfies Equal<DownloadRequest, v.InferInput<typeof DownloadRequestSchema>>,
  // The query arrives as strings; the client names what the handler reads, every field optional.
  list: true satisfies Equal<ListRequest, Partial<v.InferOutput<typeof ListRequestSchema>>>,
  // The check itself can fail: a type that differs in one field is not equal.
  // @ts-expect-error -- size as a string is not what the schema accepts
  differs: true satisfies Equal<Omit<UploadRequest, 'size'> & { size: string }, v.InferInput<typeof UploadRequestSchema>>,
};

it('proves every plain request type equal to its schema’s, by the compiler', () => {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    esModuleInterop: true,
    types: ['node', 'jest'],
  };
  const program = ts.createProgram([__filename], options);

  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));

  expect(diagnostics).toEqual([]);
  expect(program.getSourceFile(path.join(__dirname, '..', '..', 'contract', 'requests.ts'))).toBeDefined();
});
