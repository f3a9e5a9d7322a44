/** S3's error answers, as local S3 sends them: status, code, message and S3's extra elements. */
import { randomBytes } from 'node:crypto';

/** An S3 error to answer with. */
export class S3ErrorAnswer extends Error {
  override readonly name = 'S3ErrorAnswer';
  /** Headers the answer carries besides the body's (`Content-Range` of a 416). */
  readonly headers: Record<string, string> = {};

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  /** Adds headers to the answer. */
  withHeaders(headers: Readonly<Record<string, string>>): this {
    Object.assign(this.headers, headers);
    return this;
  }

  /** S3's XML error body. */
  toXml(resource: string): string {
    const extra = Object.entries(this.details)
      .map(([name, value]) => `<${name}>${xmlText(value)}</${name}>`)
      .join('');
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${this.code}</Code><Message>${xmlText(this.message)}</Message>${extra}` +
      `<Resource>${xmlText(resource)}</Resource><RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`
    );
  }
}

/** S3's answer to a request IAM or the bucket policy denies. */
export function accessDenied(message = 'Access Denied', details: Readonly<Record<string, string>> = {}): S3ErrorAnswer {
  return new S3ErrorAnswer(403, 'AccessDenied', message, details);
}

/** Escapes text for an XML element. */
function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
