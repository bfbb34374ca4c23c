/**
 * Imported first by functions/index.ts: starts telemetry before `@azure/functions` and the Azure
 * SDKs load, so their instrumentation can hook them (useAzureMonitor must run before other imports:
 * https://learn.microsoft.com/javascript/api/overview/azure/monitor-opentelemetry-readme). It reads
 * the one setting it needs from the environment itself, for that reason; loadConfig validates the
 * same setting right after.
 */
import { startTelemetry } from './telemetry';

startTelemetry(process.env['APPLICATIONINSIGHTS_CONNECTION_STRING'] || undefined);
