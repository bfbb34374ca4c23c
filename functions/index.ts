/**
 * Azure Functions entry point (package.json `main`): builds the app from the Function App's
 * settings and registers every function. Thin by design: see registrations.ts.
 */
// First: telemetry has to be started before what it instruments is loaded.
import './telemetry-start';
import { app as functionsApp } from '@azure/functions';
import { compose } from './composition-root';
import { loadConfig, queueTriggerConnection } from './config';
import { registrations } from './registrations';

const app = compose(loadConfig(process.env), { root: `${__dirname}/../..` });
const { http, queues, timers } = registrations(app);

for (const r of http) {
  functionsApp.http(r.name, {
    route: r.route,
    methods: [...r.methods],
    authLevel: 'anonymous',
    handler: r.handler,
  });
}
for (const q of queues) {
  // `connection` names the app setting that holds the storage connection string, or the prefix of
  // the identity-based settings (ESAFETY_STORAGE__queueServiceUri, __credential, __clientId).
  functionsApp.storageQueue(q.name, {
    queueName: q.queueName,
    connection: queueTriggerConnection(app.config.storage),
    handler: q.handler,
  });
}
for (const t of timers) {
  functionsApp.timer(t.name, {
    schedule: t.schedule,
    ...(t.runOnStartup && { runOnStartup: true }),
    handler: (_timer, ctx) => t.handler(ctx),
  });
}
