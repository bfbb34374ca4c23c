/**
 * Azure Functions entry point (package.json `main`): builds the app from the Function App's
 * settings and registers every function. Thin by design: see registrations.ts.
 */
import { app as functionsApp } from '@azure/functions';
import { compose } from './composition-root';
import { loadConfig } from './config';
import { httpRegistrations } from './registrations';

const app = compose(loadConfig(process.env), { root: `${__dirname}/../..` });

for (const r of httpRegistrations(app)) {
  functionsApp.http(r.name, {
    route: r.route,
    methods: [...r.methods],
    authLevel: 'anonymous',
    handler: r.handler,
  });
}
