/**
 * `esafety doctor`: checks a configured deployment (or the running local system) the way the app
 * will use it, and says what to fix — one line per check. Every check runs, whatever the others
 * found, each within its own deadline; none changes anything (the field key is tried on a record
 * already stored, or on a sample in memory).
 */
import { decodeJwt } from 'jose';
import { botConnectorToken } from '../adapters/bot-identity';
import { FieldCipher } from '../adapters/field-cipher';
import { graphTokens } from '../adapters/graph-gateway';
import { poisonState } from '../adapters/poison-queue';
import { storageClients } from '../adapters/storage-clients';
import { EsafetyError, fail, toEsafetyError } from '../core/errors';
import { requiredGraphPermissions } from '../core/monitoring/graph-permissions';
import type { App } from '../functions/composition-root';
import { poisonedQueues } from '../functions/registrations';

export interface DoctorCheck {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do about it, when not ok. */
  readonly fix?: string;
}

/** Subscriptions closer to expiry than this are reported (the timer renews with 12 h left). */
const expiryWarningMs = 6 * 3600_000;
const checkDeadlineMs = 20_000;

const ok = (check: string, detail: string): DoctorCheck => ({ check, ok: true, detail });
const bad = (check: string, detail: string, fix: string): DoctorCheck => ({ check, ok: false, detail, fix });

export async function runDoctor(
  app: App,
  options: {
    readonly ca?: string;
    /** Running on the Function App (a managed identity endpoint is there to ask). */
    readonly onAzure?: boolean;
  } = {},
): Promise<DoctorCheck[]> {
  const { config, pack } = app;
  const run = async (check: string, fix: string, probe: () => Promise<DoctorCheck | DoctorCheck[]>) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new EsafetyError('UPSTREAM_UNAVAILABLE', `no answer within ${checkDeadlineMs / 1000} s`)),
          checkDeadlineMs,
        );
      });
      const result = await Promise.race([probe(), late]);
      return Array.isArray(result) ? result : [result];
    } catch (err) {
      const e = toEsafetyError(err);
      // Storage not answering fails most checks: they then point at the storage line, not their own fix.
      const storageDown =
        check !== 'storage' &&
        (e.code.startsWith('STORAGE_') || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT/.test(e.message));
      return [
        bad(
          check,
          `${e.code}: ${e.message.split('\n')[0] ?? ''}`,
          storageDown ? 'Storage is not answering: see the storage line' : fix,
        ),
      ];
    } finally {
      clearTimeout(timer);
    }
  };

  const checks: DoctorCheck[][] = [];
  checks.push([
    ok(
      'configuration',
      `${config.mode} mode; storage by ${config.storage.connection.kind === 'identity' ? 'managed identity' : 'connection string'}`,
    ),
    ok(
      'policy pack',
      `${pack.organisation.name} (${config.policyPackPath}): ${Object.keys(pack.routes).length} routes`,
    ),
  ]);

  checks.push(
    await run(
      'storage',
      config.storage.connection.kind === 'identity'
        ? 'Give the managed identity Storage Table Data Contributor and Storage Queue Data Contributor on the account, and check ESAFETY_STORAGE__*'
        : 'Check ESAFETY_STORAGE_CONNECTION_STRING (locally: is npm start running?)',
      async () => {
        const signal = AbortSignal.timeout(checkDeadlineMs);
        const failed: string[] = [];
        for (const check of app.healthChecks)
          await check
            .run(signal)
            .catch((err: unknown) => failed.push(`${check.name} ${toEsafetyError(err).code}`));
        if (failed.length > 0) fail('STORAGE_UNAVAILABLE', failed.join(', '));
        return ok('storage', `${app.healthChecks.length} tables and queues reachable`);
      },
    ),
  );

  checks.push(
    await run(
      'field key',
      'ESAFETY_FIELD_KEY is not the key the records were written with: put that key back, or list it in ESAFETY_FIELD_KEYS_PREVIOUS',
      async () => {
        const previous = `${config.fieldKeys.previous.length} previous key${config.fieldKeys.previous.length === 1 ? '' : 's'}`;
        const [first] = await app.store.list({ status: 'all' });
        if (first) {
          // Reading a case decrypts its narrative: it fails if no configured key fits.
          await app.cases.chronology(first.id);
          return ok('field key', `decrypts ${first.reference}; ${previous}`);
        }
        const cipher = new FieldCipher(config.fieldKeys.current, config.fieldKeys.previous);
        const sample = cipher.encrypt('doctor', 'doctor:sample');
        if (cipher.decrypt(sample, 'doctor:sample') !== 'doctor')
          fail('UNEXPECTED', 'a sample did not decrypt');
        return ok('field key', `works (no records yet); ${previous}`);
      },
    ),
  );

  const graph = config.graph;
  if (!graph)
    checks.push([
      bad(
        'graph',
        'Microsoft Graph is not configured: chats and sharing are not watched, and nobody may act on a case',
        'Set ESAFETY_GRAPH_TENANT_ID, ESAFETY_GRAPH_CLIENT_ID and ESAFETY_GRAPH_CLIENT_SECRET (locally: start npm start first)',
      ),
    ]);
  else {
    checks.push(
      await run(
        'graph token',
        'Check ESAFETY_GRAPH_CLIENT_ID / _SECRET (expired?) and the tenant id',
        async () => {
          const token = await graphTokens({ ...graph, ...(options.ca && { extraCa: options.ca }) })();
          const claims = decodeJwt(token);
          const roles = new Set(Array.isArray(claims['roles']) ? (claims['roles'] as string[]) : []);
          const needs = requiredGraphPermissions(pack);
          const missing = needs.filter((p) => !p.anyOf.some((role) => roles.has(role)));
          return missing.length === 0
            ? ok('graph token', `issued, with the application permissions monitoring needs (${needs.length})`)
            : bad(
                'graph token',
                `issued, but without ${missing.map((m) => `${m.anyOf[0] ?? ''} (${m.for})`).join(', ')}`,
                'Add these application permissions to the app registration and grant admin consent (docs/deploy.md)',
              );
        },
      ),
    );
    const monitoring = app.monitoring;
    if (monitoring)
      checks.push(
        await run('subscriptions', 'Run: npx esafety subscriptions renew', async () => {
          const list = await monitoring.subscriptions.list();
          const now = monitoring.clock.now().getTime();
          return monitoring.plan.resources.map((resource) => {
            const sub = list.find((s) => s.resource === resource);
            const name = `subscription ${resource}`;
            if (!sub)
              return bad(
                name,
                'missing: its notifications are not coming',
                'Run: npx esafety subscriptions renew (the graphSubscriptions timer also creates it within 30 minutes)',
              );
            const left = Date.parse(sub.expirationDateTime) - now;
            return left < expiryWarningMs
              ? bad(
                  name,
                  `expires ${sub.expirationDateTime}, in ${Math.max(0, Math.round(left / 60_000))} minutes`,
                  'Run: npx esafety subscriptions renew, and check the graphSubscriptions timer runs',
                )
              : ok(name, `alive until ${sub.expirationDateTime}`);
          });
        }),
      );
  }

  const bot = config.bot;
  if (bot.appId === undefined)
    checks.push([
      // Locally npm start runs the bot anonymous (ESAFETY_MODE=local, set explicitly there).
      bot.anonymous || config.mode === 'local'
        ? ok('bot identity', 'none: anonymous, local mode only (the Agents Playground)')
        : bad('bot identity', 'no bot app id', 'Set ESAFETY_BOT_APP_ID (the Azure Bot app id)'),
    ]);
  else if (bot.appType === 'UserAssignedMSI' && !options.onAzure)
    // Only the Function App can get its managed identity's token; from an admin's shell, say so.
    checks.push([
      ok(
        'bot identity',
        `${bot.appId} (UserAssignedMSI): its token can only be had on the Function App; check the Azure Bot's msaAppId is this id (az bot show)`,
      ),
    ]);
  else {
    const appId = bot.appId;
    checks.push(
      await run(
        'bot identity',
        bot.appType === 'UserAssignedMSI'
          ? "Check ESAFETY_BOT_APP_ID is the user-assigned identity's client id, assigned to the Function App"
          : 'Check ESAFETY_BOT_APP_ID, ESAFETY_BOT_APP_PASSWORD (expired?) and ESAFETY_BOT_TENANT_ID',
        async () => {
          await botConnectorToken({
            appId,
            appType: bot.appType,
            ...(bot.appPassword !== undefined && { appPassword: bot.appPassword }),
            ...(bot.tenantId !== undefined && { tenantId: bot.tenantId }),
            ...(bot.localChannel && { authorityHost: bot.localChannel.authorityHost }),
            ...(options.ca && { ca: options.ca }),
          });
          return ok('bot identity', `${appId} (${bot.appType}) obtains a Bot Connector token`);
        },
      ),
    );
  }

  checks.push(
    await run('routes', 'Check storage (above)', async () =>
      Promise.all(
        Object.keys(pack.routes).map(async (route) =>
          (await app.conversations.route(route))
            ? ok(`route ${route}`, 'channel registered')
            : bad(
                `route ${route}`,
                'no channel registered: its cases have nowhere to go',
                `In the channel for these cases, type "@E-Safety register ${route}"`,
              ),
        ),
      ),
    ),
  );

  checks.push(
    await run('poison queues', 'Check storage (above)', async () => {
      const states = await poisonState(
        storageClients(config.storage.connection),
        poisonedQueues(config.storage),
      );
      const waiting = states.filter((s) => s.waiting > 0);
      return waiting.length === 0
        ? ok('poison queues', 'empty')
        : bad(
            'poison queues',
            waiting.map((s) => `${s.queue}-poison: ${s.waiting} waiting since ${s.oldest ?? '?'}`).join('; '),
            'Fix the cause (docs/runbook.md, "Outages and poisoned messages"); the poisonReplay timer replays them, or: npx esafety poison replay',
          );
    }),
  );
  return checks.flat();
}

/** One line per check: `✔ name: detail`, or `✖ name: detail — fix`. */
export function doctorLines(checks: readonly DoctorCheck[]): string[] {
  return checks.map((c) =>
    c.ok ? `✔ ${c.check}: ${c.detail}` : `✖ ${c.check}: ${c.detail} — ${c.fix ?? ''}`,
  );
}
