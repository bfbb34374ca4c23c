/** The HTTP status and Retry-After of a failed Bot Connector call. */
import { httpStatusOf } from '../core/errors';

export function httpFailure(err: unknown): { status?: number; retryAfterMs?: number } {
  const status = httpStatusOf(err);
  const header = (
    err as { response?: { headers?: { get?: (n: string) => string | undefined | null } } }
  ).response?.headers?.get?.('retry-after');
  const seconds = header ? Number(header) : NaN;
  return {
    ...(status !== undefined && { status }),
    ...(Number.isFinite(seconds) && { retryAfterMs: seconds * 1000 }),
  };
}
