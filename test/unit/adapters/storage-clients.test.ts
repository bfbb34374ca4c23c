import { connectionStringEndpoint, endpointProblem, storageClients } from '../../../adapters/storage-clients';

const key = 'AccountKey=c2VjcmV0LWtleQ==';

describe('storage endpoints: plain http only to this machine', () => {
  it.each([
    ['http://127.0.0.1:10002/devstoreaccount1', true],
    ['http://localhost:10001/devstoreaccount1', true],
    ['http://LOCALHOST:10001/devstoreaccount1', true],
    ['http://[::1]:10002/devstoreaccount1', true],
    ['https://college.table.core.windows.net', true],
    ['https://127.0.0.1:10002/devstoreaccount1', true],
    ['http://college.table.core.windows.net', false],
    ['http://10.0.0.5:10002/devstoreaccount1', false],
    ['http://localhost.college.ac.uk:10002', false],
    ['http://127.0.0.1.nip.io:10002', false],
    ['ftp://127.0.0.1/devstoreaccount1', false],
  ])('%s may be used: %s', (url, allowed) => {
    expect(endpointProblem(new URL(url)) === undefined).toBe(allowed);
  });
});

describe('the endpoint a connection string names', () => {
  it.each([
    [
      'UseDevelopmentStorage=true',
      'http://127.0.0.1:10002/devstoreaccount1',
      'http://127.0.0.1:10001/devstoreaccount1',
    ],
    [
      `DefaultEndpointsProtocol=https;AccountName=college;${key};EndpointSuffix=core.windows.net`,
      'https://college.table.core.windows.net/',
      'https://college.queue.core.windows.net/',
    ],
    [
      `AccountName=college;${key}`,
      'https://college.table.core.windows.net/',
      'https://college.queue.core.windows.net/',
    ],
    [
      `DefaultEndpointsProtocol=http;AccountName=college;${key}`,
      'http://college.table.core.windows.net/',
      'http://college.queue.core.windows.net/',
    ],
    [
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;${key};TableEndpoint=http://127.0.0.1:51001/devstoreaccount1;QueueEndpoint=http://127.0.0.1:51002/devstoreaccount1`,
      'http://127.0.0.1:51001/devstoreaccount1',
      'http://127.0.0.1:51002/devstoreaccount1',
    ],
    [
      'TableEndpoint=https://college.table.core.usgovcloudapi.net;QueueEndpoint=https://college.queue.core.usgovcloudapi.net;SharedAccessSignature=sv=2024&sig=abc',
      'https://college.table.core.usgovcloudapi.net/',
      'https://college.queue.core.usgovcloudapi.net/',
    ],
  ])('%s', (connectionString, table, queue) => {
    expect(connectionStringEndpoint(connectionString, 'table').href).toBe(table);
    expect(connectionStringEndpoint(connectionString, 'queue').href).toBe(queue);
  });

  it('refuses a connection string that names no endpoint, without repeating it', () => {
    expect(() => connectionStringEndpoint(key, 'table')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.not.stringContaining('c2VjcmV0') }),
    );
  });
});

describe('storage clients', () => {
  it('reaches Azurite on loopback over http with its connection string', () => {
    const clients = storageClients({
      kind: 'connectionString',
      connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;${key};TableEndpoint=http://127.0.0.1:51001/devstoreaccount1;QueueEndpoint=http://127.0.0.1:51002/devstoreaccount1`,
    });
    expect(clients.table('esafetycases').url).toBe('http://127.0.0.1:51001/devstoreaccount1');
    expect(clients.queue('esafety-case-posts').url).toBe(
      'http://127.0.0.1:51002/devstoreaccount1/esafety-case-posts',
    );
  });

  it('reaches an account by its service URLs with a managed identity', () => {
    const clients = storageClients({
      kind: 'identity',
      tableServiceUri: 'https://college.table.core.windows.net',
      queueServiceUri: 'https://college.queue.core.windows.net',
      clientId: '7d0b1c2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
    });
    expect(clients.table('esafetycases').tableName).toBe('esafetycases');
    expect(clients.table('esafetycases').url).toBe('https://college.table.core.windows.net');
    expect(clients.queue('esafety-case-posts').url).toBe(
      'https://college.queue.core.windows.net/esafety-case-posts',
    );
  });

  it.each([
    [
      'a connection string',
      {
        kind: 'connectionString',
        connectionString: `DefaultEndpointsProtocol=http;AccountName=college;${key}`,
      },
    ],
    [
      'service URLs',
      {
        kind: 'identity',
        tableServiceUri: 'https://college.table.core.windows.net',
        queueServiceUri: 'http://college.queue.core.windows.net',
      },
    ],
    [
      'service URLs on loopback (an identity token never goes over http)',
      {
        kind: 'identity',
        tableServiceUri: 'http://127.0.0.1:10002/devstoreaccount1',
        queueServiceUri: 'https://127.0.0.1:10001/devstoreaccount1',
      },
    ],
  ] as const)('refuses http given by %s', (_form, connection) => {
    expect(() => storageClients(connection)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
