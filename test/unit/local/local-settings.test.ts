import { loadConfig } from '../../../functions/config';
import { loadLocalPorts } from '../../../local/local-settings';

function problem(env: Record<string, string>): string {
  try {
    loadLocalPorts(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the local settings to be refused');
}

describe('local settings (npm start only)', () => {
  it('uses the standard ports of Azurite, the Functions host and the tenant simulator when nothing is set', () => {
    expect(loadLocalPorts({})).toEqual({ host: 7071, table: 10002, queue: 10001, graph: 7443 });
  });

  it('takes other ports, 0 meaning any free one, and ignores empty values', () => {
    expect(
      loadLocalPorts({
        ESAFETY_LOCAL_HOST_PORT: '17071',
        ESAFETY_LOCAL_TABLE_PORT: '0',
        ESAFETY_LOCAL_QUEUE_PORT: '',
        ESAFETY_LOCAL_GRAPH_PORT: '17443',
      }),
    ).toEqual({ host: 17071, table: 0, queue: 10001, graph: 17443 });
  });

  it.each([
    ['ESAFETY_LOCAL_HOST_PORT', 'seventy'],
    ['ESAFETY_LOCAL_TABLE_PORT', '-1'],
    ['ESAFETY_LOCAL_QUEUE_PORT', '70000'],
    ['ESAFETY_LOCAL_GRAPH_PORT', '74.43'],
  ])('stops start-up naming %s when it is %s', (name, value) => {
    expect(problem({ [name]: value })).toContain(name);
  });

  it("are not the app's settings: the app ignores them and keeps Azurite's standard ports", () => {
    const c = loadConfig({ ESAFETY_LOCAL_TABLE_PORT: '20002', ESAFETY_LOCAL_HOST_PORT: 'seventy' });
    expect(c.storage.connection).toMatchObject({
      connectionString: expect.stringContaining('TableEndpoint=http://127.0.0.1:10002/'),
    });
  });
});
