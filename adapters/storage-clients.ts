/**
 * Every Azure Storage client the app uses (the table stores, the work queues, the local queue
 * runner, the health check) is built here, from one of two kinds of connection:
 *
 * - a connection string (`ESAFETY_STORAGE_CONNECTION_STRING`): Azurite locally, or an account key;
 * - the account's service URLs and a Microsoft Entra identity: `DefaultAzureCredential`, which in a
 *   Function App is its managed identity (a user-assigned one when a client id is given). The
 *   settings are the ones the Azure Functions host reads for an identity-based queue-trigger
 *   connection, so one set serves the SDK clients and the binding:
 *   https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#identity-based-connections
 *   https://learn.microsoft.com/azure/azure-functions/functions-reference#common-properties-for-identity-based-connections
 *
 * Plain http is allowed only to a loopback endpoint (Azurite); anything else must be https.
 */
import { TableClient, type TableServiceClientOptions as TableClientOptions } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import { QueueClient, QueueServiceClient, type StoragePipelineOptions } from '@azure/storage-queue';
import { fail } from '../core/errors';

export type StorageConnection =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | {
      readonly kind: 'identity';
      readonly tableServiceUri: string;
      readonly queueServiceUri: string;
      /** A user-assigned managed identity's client id; absent, the system-assigned identity. */
      readonly clientId?: string;
    };

export type StorageService = 'table' | 'queue';

export interface ClientOptions {
  /**
   * `none`: one try and no retry delays, for callers that owe an answer within seconds and pass
   * their own deadline (the health check). `fast`: one retry soon after, each try given a second
   * (a webhook that must answer Graph within its 3-second budget). Default: the SDK's retries
   * (four tries, exponential from 4 s, no per-try timeout).
   */
  readonly retries?: 'sdk' | 'none' | 'fast';
}

export interface StorageClients {
  table(name: string, options?: ClientOptions): TableClient;
  queue(name: string, options?: ClientOptions): QueueClient;
}

/** What a table store is given: the clients, and the prefix of its table names. */
export interface StorageTables {
  readonly clients: StorageClients;
  /** Letters and digits, so several deployments or test runs share an account. */
  readonly tablePrefix: string;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Is this endpoint on this machine (where plain http to Azurite is allowed)? */
export function isLoopback(url: URL): boolean {
  return loopbackHosts.has(url.hostname.toLowerCase());
}

/**
 * Why an endpoint may not be used, or undefined when it may: https anywhere; http only to a
 * loopback address, and never with an identity (its tokens are not sent over http).
 */
export function endpointProblem(
  url: URL,
  kind: StorageConnection['kind'] = 'connectionString',
): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && kind === 'identity') return 'must use https with a managed identity';
  if (url.protocol === 'http:')
    return isLoopback(url) ? undefined : 'must use https (http is allowed only to a loopback address)';
  return 'must be an https URL';
}

/**
 * The service endpoint a connection string names: `TableEndpoint` / `QueueEndpoint`, or the
 * account's default endpoint (`DefaultEndpointsProtocol`, `AccountName`, `EndpointSuffix`), or
 * Azurite's for `UseDevelopmentStorage=true`, as the SDKs read them.
 */
export function connectionStringEndpoint(connectionString: string, service: StorageService): URL {
  const parts = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const text =
    parts.get('usedevelopmentstorage') === 'true'
      ? `http://127.0.0.1:${service === 'table' ? 10002 : 10001}/devstoreaccount1`
      : (parts.get(`${service}endpoint`) ??
        (parts.has('accountname')
          ? `${parts.get('defaultendpointsprotocol') ?? 'https'}://${parts.get('accountname')}.${service}.${parts.get('endpointsuffix') ?? 'core.windows.net'}`
          : undefined));
  if (text === undefined)
    return fail('CONFIG_INVALID', `The storage connection string names no ${service} endpoint.`, { service });
  return url(text, service);
}

/** The endpoint a connection reaches for a service. */
export function serviceEndpoint(connection: StorageConnection, service: StorageService): URL {
  if (connection.kind === 'connectionString')
    return connectionStringEndpoint(connection.connectionString, service);
  return url(service === 'table' ? connection.tableServiceUri : connection.queueServiceUri, service);
}

function url(text: string, service: StorageService): URL {
  try {
    return new URL(text);
  } catch {
    return fail('CONFIG_INVALID', `The storage ${service} endpoint is not a URL.`, { service });
  }
}

/** Builds the clients of one connection; refuses (CONFIG_INVALID) an endpoint it may not use. */
export function storageClients(connection: StorageConnection): StorageClients {
  const endpoints = {
    table: serviceEndpoint(connection, 'table'),
    queue: serviceEndpoint(connection, 'queue'),
  };
  for (const service of ['table', 'queue'] as const) {
    const problem = endpointProblem(endpoints[service], connection.kind);
    if (problem) fail('CONFIG_INVALID', `The storage ${service} endpoint ${problem}.`, { service });
  }
  const tableOptions = (options: ClientOptions = {}): TableClientOptions => ({
    allowInsecureConnection: isLoopback(endpoints.table),
    ...(options.retries === 'none' && { retryOptions: { maxRetries: 0 } }),
    ...(options.retries === 'fast' && { retryOptions: { maxRetries: 1, retryDelayInMs: 200 } }),
  });
  const queueOptions = (options: ClientOptions = {}): StoragePipelineOptions =>
    options.retries === 'none'
      ? { retryOptions: { maxTries: 1 } }
      : options.retries === 'fast'
        ? {
            retryOptions: { maxTries: 2, tryTimeoutInMs: 1_000, retryDelayInMs: 200, maxRetryDelayInMs: 200 },
          }
        : {};
  if (connection.kind === 'connectionString') {
    const { connectionString } = connection;
    return {
      table: (name, options) =>
        TableClient.fromConnectionString(connectionString, name, tableOptions(options)),
      queue: (name, options) => new QueueClient(connectionString, name, queueOptions(options)),
    };
  }
  // One credential per connection, so every client shares its token cache; it does no I/O until asked.
  const credential = new DefaultAzureCredential(
    connection.clientId ? { managedIdentityClientId: connection.clientId } : {},
  );
  return {
    table: (name, options) =>
      new TableClient(connection.tableServiceUri, name, credential, tableOptions(options)),
    queue: (name, options) =>
      new QueueServiceClient(connection.queueServiceUri, credential, queueOptions(options)).getQueueClient(
        name,
      ),
  };
}

/** A named storage check for `/api/health`: it resolves when the account answered, in time. */
export interface StorageCheck {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

/**
 * One cheap read per table and queue, each with no retries (the caller's signal is the deadline).
 * A table or queue that does not exist yet (404) still proves the account is reachable and lets
 * us in; any other answer fails STORAGE_FAILED, no answer STORAGE_UNAVAILABLE.
 */
export function storageChecks(
  clients: StorageClients,
  names: { readonly tables: readonly string[]; readonly queues: readonly string[] },
): StorageCheck[] {
  const check = (name: string, read: (signal: AbortSignal) => Promise<unknown>): StorageCheck => ({
    name,
    run: (signal) =>
      read(signal).then(
        () => undefined,
        (err: unknown) => {
          const status = (err as { statusCode?: number }).statusCode;
          if (status === 404) return;
          if (status === undefined || signal.aborted)
            fail('STORAGE_UNAVAILABLE', `${name} did not answer.`, { check: name }, err);
          fail('STORAGE_FAILED', `${name} answered ${status}.`, { check: name, status }, err);
        },
      ),
  });
  return [
    ...names.tables.map((table) => {
      const client = clients.table(table, { retries: 'none' });
      return check(`table:${table}`, (abortSignal) =>
        client.getEntity('health-probe', 'health-probe', { abortSignal }),
      );
    }),
    ...names.queues.map((queue) => {
      const client = clients.queue(queue, { retries: 'none' });
      return check(`queue:${queue}`, (abortSignal) => client.getProperties({ abortSignal }));
    }),
  ];
}
