/**
 * The AWS partition a function runs in, as the construct tells it: S3's domain differs by
 * partition (`amazonaws.com`, `amazonaws.com.cn` in China), and a URL must name the right one.
 */

/** The environment variable that carries the stack's `AWS::URLSuffix`. */
export const URL_SUFFIX_VARIABLE = 'URL_SUFFIX';
