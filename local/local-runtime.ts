/**
 * What `npm start` leaves for local tools (`<data dir>/local-runtime.json`): the settings that point
 * at its tenant simulator, and the simulator's certificate. `npm run simulate` and
 * `npm run screenshots` act as Teams users through it; the admin CLI reads the same file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGraphClient } from '../adapters/graph-gateway';
import { fail } from '../core/errors';
import { loadConfig, type AppConfig } from '../functions/config';
import { scenarioContext, type ScenarioContext } from './scenarios/scenarios';

export interface LocalRuntime {
  readonly config: AppConfig;
  readonly graphCa: string;
  readonly scenario: ScenarioContext;
}

export function connectToLocalRuntime(root: string): LocalRuntime {
  const env = { ESAFETY_MODE: 'local', ESAFETY_LOG_LEVEL: 'silent', ...process.env };
  const path = join(resolve(root, loadConfig(env).local.dataDir), 'local-runtime.json');
  if (!existsSync(path))
    fail('CONFIG_INVALID', 'The local system is not running: start it with npm start in another terminal.');
  const saved = JSON.parse(readFileSync(path, 'utf8')) as { env: Record<string, string>; graphCa: string };
  const config = loadConfig({ ...saved.env, ...env });
  const graph = config.graph ?? fail('CONFIG_INVALID', 'local-runtime.json names no Graph settings.');
  return {
    config,
    graphCa: saved.graphCa,
    scenario: scenarioContext(createGraphClient({ ...graph, extraCa: saved.graphCa }), {
      url: graph.graphBaseUrl,
      ca: saved.graphCa,
    }),
  };
}
