/**
 * Local mirrors: a post to the class team from one Playground is made in every other Playground
 * that shows that team (each keeps its own copy), and nowhere else.
 */
import { localMirrors } from '../../../local/playground/playground';
import { loadTenant } from '../../../local/tenant';
import { repoRoot } from '../../support/fixtures';

const tenant = loadTenant(repoRoot);
const mirrors = localMirrors(tenant);
const reference = (serviceUrl: string, id: string) => ({
  serviceUrl,
  conversation: { id, conversationType: 'channel' },
});

describe('local mirrors', () => {
  it('posts a class-team card in every other Playground with the class team, as a new thread', () => {
    const place = {
      reference: reference('http://localhost:56154/_connector', '19:class-team@thread.tacv2;messageid=17'),
    };
    const others = mirrors(place);
    const classPorts = tenant.playgrounds.filter(
      (p) => p.team === '19:class-team@thread.tacv2' && p.port !== 56154,
    );
    expect(others.map((m) => m.reference.serviceUrl).sort()).toEqual(
      classPorts.map((p) => `http://localhost:${p.port}/_connector`).sort(),
    );
    expect(others.length).toBeGreaterThan(0);
    for (const m of others) {
      expect(m.channelId).toBe('19:class-team@thread.tacv2');
      expect(m.reference.conversation.id).toBe('19:class-team@thread.tacv2');
    }
  });

  it('mirrors nothing for a conversation only one Playground shows', () => {
    const place = {
      reference: reference('http://localhost:56151/_connector', '19:dsl-channel@thread.tacv2'),
      channelId: '19:dsl-channel@thread.tacv2',
    };
    expect(mirrors(place)).toEqual([]);
  });
});
