/**
 * The logging port (the adapter is pino). Fields carry ids, codes and counts — never names,
 * message text, narrative or secrets (docs/data-protection.md).
 *
 * A log context carries fields that every line written while a piece of work runs must have — the
 * invocation id of the function doing it — down through every use case it calls, without each
 * one passing a logger along. Every Logger implementation adds `logContext()` to its lines.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  child(bindings: LogFields): Logger;
}

/** A logger that discards everything (for library use where the caller did not pass one). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

const context = new AsyncLocalStorage<LogFields>();

/** Runs `work` with `fields` on every log line written while it runs, however deep. */
export function withLogContext<T>(fields: LogFields, work: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, work);
}

/** The fields of the work running now (empty outside any). */
export function logContext(): LogFields {
  return context.getStore() ?? {};
}
