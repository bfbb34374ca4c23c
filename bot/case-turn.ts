/**
 * A case as a card action meets it: looked up by the id the card names (never trusted), shown
 * only to someone in the case's route roles, and rendered as the live case card.
 */
import { z } from 'zod';
import type { AdaptiveCard } from '../cards/adaptive-card';
import { caseCard, type CaseCardOptions } from '../cards/case-card/case-card';
import { assertMayActOnRoute } from '../core/auth/authorise';
import type { Actor } from '../core/cases/case-events';
import type { CaseState } from '../core/cases/case-state';
import { fail } from '../core/errors';
import type { BotDeps } from './turn';

type Data = Record<string, unknown>;

const caseIdSchema = z.object({ caseId: z.string().regex(/^[a-z0-9-]{1,64}$/i, 'not a case id') });

/** The case a card names, or a coded refusal; no route check (for the owner's own answers). */
export async function namedCase(deps: Pick<BotDeps, 'cases'>, data: Data): Promise<CaseState> {
  const parsed = caseIdSchema.safeParse(data);
  if (!parsed.success) return fail('INPUT_INVALID', 'That card does not name a case.');
  const { caseId } = parsed.data;
  return (await deps.cases.get(caseId)) ?? fail('CASE_NOT_FOUND', 'That case does not exist.', { caseId });
}

/** The case a card names, looked up (never trusted) and only for someone who may act on it. */
export async function authorisedCase(deps: BotDeps, actor: Actor, data: Data): Promise<CaseState> {
  const state = await namedCase(deps, data);
  await assertMayActOnRoute(deps.directory, deps.pack, state.route, actor.id);
  return state;
}

export async function renderCase(
  deps: BotDeps,
  state: CaseState,
  options?: CaseCardOptions,
): Promise<AdaptiveCard> {
  return caseCard(state, await deps.cases.chronology(state.id), deps.pack, options);
}
