/**
 * Placeholder for the `deletes` function so the infrastructure branch synthesizes: the handler of
 * the runtime branch replaces this file when the two are merged.
 */
export async function handler(): Promise<never> {
  throw new Error('The deletes handler is not part of this branch.');
}
