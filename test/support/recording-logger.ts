/** A Logger that keeps every entry, so tests can assert that a refusal was logged and why. */
import { logContext, type LogFields, type Logger } from '../../core/logger';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: LogFields;
  readonly message: string;
}

export class RecordingLogger implements Logger {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly bindings: LogFields = {},
  ) {}

  debug(fields: LogFields, message: string) {
    this.entries.push({ level: 'debug', fields: { ...logContext(), ...this.bindings, ...fields }, message });
  }
  info(fields: LogFields, message: string) {
    this.entries.push({ level: 'info', fields: { ...logContext(), ...this.bindings, ...fields }, message });
  }
  warn(fields: LogFields, message: string) {
    this.entries.push({ level: 'warn', fields: { ...logContext(), ...this.bindings, ...fields }, message });
  }
  error(fields: LogFields, message: string) {
    this.entries.push({ level: 'error', fields: { ...logContext(), ...this.bindings, ...fields }, message });
  }
  child(bindings: LogFields): Logger {
    return new RecordingLogger(this.entries, { ...this.bindings, ...bindings });
  }

  /** Entries whose fields include all of `match`. */
  find(match: LogFields): LogEntry[] {
    return this.entries.filter((e) => Object.entries(match).every(([k, v]) => e.fields[k] === v));
  }
}
