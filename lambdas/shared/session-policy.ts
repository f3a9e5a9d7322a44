/**
 * IP-bound role sessions: with the `bindUrlsToSourceIp` setting on, every signing role session
 * is assumed with a session policy (STS `AssumeRole`'s `Policy`) that allows requests only from
 * the caller's source IP, as API Gateway saw it. A session's permissions are the intersection of
 * its role's policies and its session policy, so a URL it signs is refused by S3 from any other
 * address, even though the URL itself carries no IP.
 *
 * See https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session and
 * `aws:SourceIp` in https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html.
 */
import { isIP } from 'node:net';

/** An IAM policy document, as STS takes it in `Policy`. */
export interface SessionPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Action: string;
    readonly Resource: string;
    readonly Condition: { readonly IpAddress: { readonly 'aws:SourceIp': string } };
  }[];
}

/**
 * The session policy that binds a session to one source address: everything the role allows
 * (`s3:*` on `*` is intersected with the role's own, narrower policies), only from `sourceIp`
 * (`/32` for IPv4, `/128` for IPv6). Throws on anything that is not an IP address, so a missing
 * source never becomes an unbound session.
 */
export function sourceIpSessionPolicy(sourceIp: string): SessionPolicyDocument {
  const family = isIP(sourceIp);
  if (family === 0) throw new Error(`Not an IP address: ${JSON.stringify(sourceIp)}`);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyFromTheCallersAddress',
        Effect: 'Allow',
        Action: 's3:*',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': `${sourceIp}/${family === 4 ? 32 : 128}` } },
      },
    ],
  };
}
