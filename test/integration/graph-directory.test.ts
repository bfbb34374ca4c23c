/**
 * Group membership through the real Graph SDK and msal-node, over HTTPS, against the local tenant
 * simulator: tokens are issued and checked, and membership comes from local/tenant.yaml.
 */
import { request } from 'node:https';
import { createGraphClient, type GraphSettings } from '../../adapters/graph-gateway';
import { GraphDirectory } from '../../adapters/graph-directory';
import { silentLogger } from '../../core/logger';
import {
  startTenantSimulator,
  type RunningTenantSimulator,
} from '../../local/graph-simulator/tenant-simulator';
import { loadTenant } from '../../local/tenant';
import { repoRoot } from '../support/fixtures';

const tenant = loadTenant(repoRoot);
const app = { clientId: '7e5a0000-0000-4000-8000-0000000000a1', clientSecret: 'local-simulator-secret' };
const dslGroup = 'e5afe7e0-0000-4000-8000-000000000001';
const hrGroup = 'e5afe7e0-0000-4000-8000-000000000003';
const dana = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const tariq = '55555555-5555-4555-8555-555555555555';

let simulator: RunningTenantSimulator;
beforeAll(async () => {
  simulator = await startTenantSimulator({ tenant, app });
});
afterAll(() => simulator.stop());

const settings = (overrides: Partial<GraphSettings> = {}): GraphSettings => ({
  tenantId: tenant.tenantId,
  clientId: app.clientId,
  clientSecret: app.clientSecret,
  authorityHost: simulator.url,
  graphBaseUrl: simulator.url,
  extraCa: simulator.ca,
  ...overrides,
});

describe('GraphDirectory against the tenant simulator', () => {
  it('answers group membership from Microsoft Graph', async () => {
    const directory = new GraphDirectory(createGraphClient(settings()), [dslGroup, hrGroup], silentLogger);
    expect(await directory.isMember(dana, dslGroup)).toBe(true);
    expect(await directory.isMember(dana, hrGroup)).toBe(false);
    expect(await directory.isMember(tariq, dslGroup)).toBe(false);
  });

  it('treats a user unknown to the tenant as a member of nothing', async () => {
    const directory = new GraphDirectory(createGraphClient(settings()), [dslGroup], silentLogger);
    expect(await directory.isMember('00000000-0000-4000-8000-00000000dead', dslGroup)).toBe(false);
  });

  it('fails closed, with a coded error, when the app secret is wrong', async () => {
    const directory = new GraphDirectory(
      createGraphClient(settings({ clientSecret: 'wrong' })),
      [dslGroup],
      silentLogger,
    );
    await expect(directory.isMember(dana, dslGroup)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('refuses a Graph call without a valid token', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${simulator.url}/v1.0/users/${dana}/checkMemberGroups`,
        { method: 'POST', ca: simulator.ca, headers: { authorization: 'Bearer forged.token.here' } },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{"groupIds":[]}');
    });
    expect(res).toBe(401);
  });
});
