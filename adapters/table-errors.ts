/**
 * Maps @azure/data-tables failures onto the error catalogue. RestError carries `statusCode` and
 * `details.errorCode` / `details.odataError.code` (no `code`); network failures carry only `code`.
 */
import { fail, EsafetyError } from '../core/errors';

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string; odataError?: { code?: string } };
}

export function tableErrorCode(err: unknown): string | undefined {
  const e = err as RestErrorLike;
  return e.details?.errorCode ?? e.details?.odataError?.code ?? e.code;
}

export function statusOf(err: unknown): number | undefined {
  return (err as RestErrorLike).statusCode;
}

/** Rethrows a storage failure as a coded system error (never returns). */
export function storageFailure(err: unknown, operation: string): never {
  if (err instanceof EsafetyError) throw err;
  const status = statusOf(err);
  if (status === undefined) {
    return fail(
      'STORAGE_UNAVAILABLE',
      `Table Storage is unreachable (${operation}).`,
      { operation, code: tableErrorCode(err) },
      err,
    );
  }
  return fail(
    'STORAGE_FAILED',
    `Table Storage refused ${operation} (${status}).`,
    { operation, status, code: tableErrorCode(err) },
    err,
  );
}

/**
 * Creates tables once per process: an existing table (409 `TableAlreadyExists`) is success, any
 * other failure is rethrown coded and the next call tries again.
 */
export function tablesOnce(
  tables: readonly { createTable(): Promise<unknown>; tableName: string }[],
): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= Promise.all(
      tables.map((t) =>
        t.createTable().catch((err: unknown) => {
          if (statusOf(err) === 409 && tableErrorCode(err) === 'TableAlreadyExists') return;
          storageFailure(err, `create table ${t.tableName}`);
        }),
      ),
    ).then(
      () => undefined,
      (err: unknown) => {
        ready = undefined;
        throw err;
      },
    );
    return ready;
  };
}
