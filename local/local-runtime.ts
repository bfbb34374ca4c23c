/**
 * Connects local tools (`npm run simulate`, `npm run screenshots`) to the running local system
 * through the local-runtime.json it leaves (functions/local-runtime-file.ts): its settings, and a
 * Graph client of its tenant simulator to act as Teams users through.
 */
import { createGraphClient } from '../adapters/graph-gateway';
import { fail } from '../core/errors';
import { loadConfig, type AppConfig } from '../functions/config';
import { localDataDir, readLocalRuntimeFile } from '../functions/local-runtime-file';
import { scenarioContext, type ScenarioContext } from './scenarios/scenarios';

export interface LocalRuntime {
  readonly config: AppConfig;
  readonly graphCa: string;
  readonly scenario: ScenarioContext;
}

export function connectToLocalRuntime(root: string): LocalRuntime {
  const env = { ESAFETY_MODE: 'local', ESAFETY_LOG_LEVEL: 'silent', ...process.env };
  const saved =
    readLocalRuntimeFile(localDataDir(loadConfig(env), root)) ??
    fail('CONFIG_INVALID', 'The local system is not running: start it with npm start in another terminal.');
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
