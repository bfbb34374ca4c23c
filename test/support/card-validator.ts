/**
 * Validates cards with Microsoft's `adaptivecards` library at schema 1.5 (its UMD build: the ESM
 * entry does not load on Node 20, and parsing needs no DOM). The library is lenient, so required
 * properties are checked too.
 */
import type * as AC from 'adaptivecards';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ac = require('adaptivecards/dist/adaptivecards.js') as typeof AC;

export interface CardProblems {
  readonly events: string[];
  readonly unlabelledInputs: string[];
  readonly unexpanded: string[];
  readonly duplicateIds: string[];
  readonly verbs: string[];
}

export function checkCard(card: object): CardProblems {
  const context = new ac.SerializationContext(new ac.Version(1, 5));
  const parsed = new ac.AdaptiveCard();
  parsed.parse(card, context);
  const events: string[] = [];
  for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i).message);
  for (const e of parsed.validateProperties().validationEvents) events.push(e.message);

  const ids: string[] = [];
  const unlabelledInputs: string[] = [];
  const unexpanded: string[] = [];
  const verbs: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      if (node.includes('${')) unexpanded.push(`${path}: ${node}`);
      return;
    }
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
    if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o['type'] === 'string' && o['type'].startsWith('Input.')) {
        ids.push(String(o['id']));
        if (typeof o['label'] !== 'string' || o['label'].trim() === '')
          unlabelledInputs.push(String(o['id']));
      }
      if (o['type'] === 'Action.Execute') verbs.push(String(o['verb']));
      for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
    }
  };
  walk(card, '$');
  const duplicateIds = ids.filter((id, i) => ids.indexOf(id) !== i);
  return { events, unlabelledInputs, unexpanded, duplicateIds, verbs };
}
