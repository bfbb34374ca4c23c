/** The HTTP status and Retry-After of a failed Bot Connector call (botframework-connector errors). */
export function httpFailure(err: unknown): { status?: number; retryAfterMs?: number } {
  const e = err as {
    statusCode?: number;
    response?: { status?: number; headers?: { get?: (n: string) => string | undefined | null } };
  };
  const status = e.statusCode ?? e.response?.status;
  const header = e.response?.headers?.get?.('retry-after');
  const seconds = header ? Number(header) : NaN;
  return {
    ...(status !== undefined && { status }),
    ...(Number.isFinite(seconds) && { retryAfterMs: seconds * 1000 }),
  };
}
