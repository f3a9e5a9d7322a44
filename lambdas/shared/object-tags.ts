/**
 * The object tag that says whether an object's bytes were verified. Only the verifier writes it;
 * the ReaderRole may read an object only while it says `available`, and a lifecycle rule expires
 * objects that say `rejected`.
 */

/** The tag's key, as IAM conditions name it (`s3:ExistingObjectTag/status`). */
export const STATUS_TAG_KEY = 'status';

/** The tag's values. */
export const STATUS_TAG = { available: 'available', rejected: 'rejected' } as const;
