/**
 * The object tag that says whether a file's bytes were verified. Only the verifier writes it;
 * the ReaderRole may read an object only where it says `available`, and a lifecycle rule
 * expires objects where it says `rejected`.
 */

/** The tag's key. */
export const STATUS_TAG_KEY = 'status';

/** The tag's values. An object without the tag is unverified: as unreadable as a rejected one. */
export const STATUS_TAG = { available: 'available', rejected: 'rejected' } as const;

/** A value of the status tag. */
export type StatusTag = (typeof STATUS_TAG)[keyof typeof STATUS_TAG];
