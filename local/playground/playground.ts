/**
 * Microsoft 365 Agents Playground as the local Teams client: one per person to act as, each with a
 * config generated from local/tenant.yaml (its schema: exactly five other users, one team with one
 * custom channel, one group chat; the user field is spelled `userPrincipleName`).
 * The Playground opens a browser with xdg-open at start; a no-op stands in so it runs headless.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { fail } from '../../core/errors';
import type { ConversationRef } from '../../core/conversations';
import type { RoutePlace } from '../../bot/teams-sender';
import type { LocalTenant } from '../tenant';

export const localBot = { id: '28:esafety-bot', name: 'E-Safety' } as const;

type Playground = LocalTenant['playgrounds'][number];

export interface RunningPlayground {
  readonly url: string;
  readonly port: number;
  readonly user: string;
  readonly as: string;
  stop(): void;
}

export function playgroundConfig(tenant: LocalTenant, pg: Playground): Record<string, unknown> {
  const person = (id: string) => {
    const u =
      tenant.users.find((x) => x.id === id) ??
      fail('CONFIG_INVALID', `tenant.yaml: playground user ${id} is not a user`);
    const [givenName = u.displayName, surname = ''] = u.displayName.split(' ');
    const email = `${u.upn}@${tenant.domain}`;
    return {
      id: `29:${u.id}`,
      name: u.displayName,
      userPrincipleName: email,
      aadObjectId: u.id,
      givenName,
      surname,
      email,
    };
  };
  const team = tenant.teams.find((t) => t.id === pg.team) ?? tenant.teams[0];
  // The team's members first, so the Playground's own lists show the class as it is.
  const inTeam = (id: string) => (team?.members.includes(id) ? 0 : 1);
  const others = tenant.users
    .filter((u) => u.id !== pg.user)
    .sort((a, b) => inTeam(a.id) - inTeam(b.id))
    .slice(0, 5)
    .map((u) => person(u.id));
  const chat = tenant.chats.find((c) => c.id === pg.chat);
  return {
    version: '0.1.1',
    tenantId: tenant.tenantId,
    bot: localBot,
    currentUser: person(pg.user),
    users: others,
    personalChat: { id: `a:personal-${pg.user}` },
    groupChat: { id: chat?.id ?? `19:group-${pg.port}@thread.v2`, name: chat?.displayName ?? 'Group chat' },
    team: {
      id: team?.id ?? `19:team-${pg.port}@thread.tacv2`,
      name: team?.displayName ?? 'Team',
      aadGroupId: team?.groupId ?? tenant.groups[0]?.id,
      channels: (team?.channels ?? []).slice(0, 1).map((c) => ({ id: c.id, name: c.displayName })),
    },
  };
}

/**
 * Where each route's cases go locally: the channel or chat tenant.yaml gives it, in the Playground
 * that shows it — or, given `serviceUrl`, through that Bot Connector (a recording one in tests).
 */
export function localRoutes(
  tenant: LocalTenant,
  serviceUrl?: string,
): { route: string; ref: ConversationRef }[] {
  // Every channel and chat that tenant.yaml gives a route, with the Playground that shows it.
  const places = [
    ...tenant.teams.flatMap((t) =>
      t.channels.map((c) => ({
        ...c,
        kind: 'channel',
        host: tenant.playgrounds.find((p) => p.team === t.id),
      })),
    ),
    ...tenant.chats.map((c) => ({
      ...c,
      kind: 'groupChat',
      host: tenant.playgrounds.find((p) => p.chat === c.id),
    })),
  ];
  return places.flatMap(({ id, route, kind, host }) => {
    const connector = serviceUrl ?? (host && `http://localhost:${host.port}/_connector`);
    if (!route || !connector) return [];
    const conversation = { id, isGroup: true, conversationType: kind, tenantId: tenant.tenantId };
    const reference = {
      channelId: 'msteams',
      bot: localBot,
      serviceUrl: connector,
      conversation,
    };
    // A channel's cases each start a thread (channelId); a chat's go into the chat.
    return [{ route, ref: kind === 'channel' ? { reference, channelId: id } : { reference } }];
  });
}

/**
 * The other Playgrounds that show a place's conversation. Teams shows one conversation to all its
 * members; each local Playground keeps its own copy, so a post to the class team from one (the
 * quiz card) is posted as a new message in every other Playground that has that team or chat.
 */
export function localMirrors(tenant: LocalTenant): (place: RoutePlace) => RoutePlace[] {
  return (place) => {
    const id = place.reference.conversation.id;
    const base = place.channelId ?? id.split(';')[0] ?? id;
    const from = portOf(place.reference.serviceUrl);
    const team = tenant.teams.find((t) => t.id === base || t.channels.some((c) => c.id === base));
    const chat = tenant.chats.find((c) => c.id === base);
    return tenant.playgrounds
      .filter((pg) => pg.port !== from && ((team && pg.team === team.id) || (chat && pg.chat === chat.id)))
      .map((pg) => {
        const reference = {
          ...place.reference,
          serviceUrl: `http://localhost:${pg.port}/_connector`,
          conversation: {
            id: base,
            isGroup: true,
            conversationType: team ? 'channel' : 'groupChat',
            tenantId: tenant.tenantId,
          },
        };
        return team ? { reference, channelId: base } : { reference };
      });
  };
}

function portOf(url: string): number | undefined {
  try {
    return Number(new URL(url).port) || undefined;
  } catch {
    return undefined;
  }
}

export async function startPlaygrounds(options: {
  readonly tenant: LocalTenant;
  readonly root: string;
  readonly dataDir: string;
  readonly botEndpoint: string;
}): Promise<RunningPlayground[]> {
  const bin = join(options.dataDir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'xdg-open'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(bin, 'xdg-open'), 0o755);
  const cli = require.resolve('@microsoft/m365agentsplayground/cli.js', { paths: [options.root] });
  const started: RunningPlayground[] = [];
  try {
    for (const pg of options.tenant.playgrounds) {
      const dir = join(options.dataDir, 'playground', String(pg.port));
      mkdirSync(dir, { recursive: true });
      const configPath = join(dir, '.m365agentsplayground.yml');
      writeFileSync(configPath, stringify(playgroundConfig(options.tenant, pg)));
      if (await portOpen(pg.port))
        fail(
          'CONFIG_INVALID',
          `Port ${pg.port} is already in use (a Playground left from an earlier run?). Stop it or change the port in local/tenant.yaml.`,
        );
      // Through the guard, so a Playground never outlives npm start, however it ends.
      const child: ChildProcess = fork(
        join(__dirname, 'child-guard.js'),
        [process.execPath, cli, '-e', options.botEndpoint, '-c', 'msteams', '-p', String(pg.port), '--dt'],
        {
          cwd: dir,
          env: {
            ...process.env,
            PATH: `${bin}:${process.env['PATH'] ?? ''}`,
            M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
            BROWSER: 'none',
          },
          stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        },
      );
      const user = options.tenant.users.find((u) => u.id === pg.user)?.displayName ?? pg.user;
      started.push({
        url: `http://localhost:${pg.port}`,
        port: pg.port,
        user,
        as: pg.as,
        stop: () => {
          if (child.connected) child.disconnect();
        },
      });
      await waitForPort(pg.port, child, join(dir, 'devTools', 'm365agentsplayground.log'));
    }
  } catch (err) {
    started.forEach((p) => p.stop());
    throw err;
  }
  return started;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited)
      fail('CONFIG_INVALID', `The Agents Playground on port ${port} exited at start; see ${logFile}.`);
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  fail('CONFIG_INVALID', `The Agents Playground on port ${port} did not start within 30 s; see ${logFile}.`);
}
