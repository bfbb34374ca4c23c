/**
 * Card actions (`adaptiveCard/action` invokes, Universal Actions), one handler per verb. Each parses
 * its data, calls one core use case and answers with the card to show in place:
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards
 *
 * The actor is the activity's; a case id in card data is only ever looked up, and only someone in
 * the case's route roles may see or act on it. A refusal is answered with a card saying why, and
 * logged with ids.
 */
import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/adaptive-card';
import { caseActions, isCaseVerb, type CaseVerb } from '../cards/case-card/case-actions';
import { messageCard, plainLines } from '../cards/message/message';
import { receiptCard } from '../cards/receipt/receipt';
import { reportFormCard } from '../cards/report-form/report-form';
import { verbs } from '../cards/verbs';
import type { Actor } from '../core/cases/case-events';
import type { CaseCommand } from '../core/cases/case-state';
import { fail, toEsafetyError } from '../core/errors';
import type { Logger } from '../core/logger';
import { parseReport } from '../core/reports/report-form';
import { isAssessmentVerb, onAssessmentAction } from './assessment-actions';
import { isQuizVerb, onQuizAction } from './quiz-actions';
import { authorisedCase, renderCase } from './case-turn';
import { isSharingVerb, onSharingAction } from './sharing-actions';
import { actorOf, type BotDeps } from './turn';

const cardType = 'application/vnd.microsoft.card.adaptive';

type Data = Record<string, unknown>;

export async function onCardAction(
  context: TurnContext,
  invoke: AdaptiveCardInvokeValue,
  deps: BotDeps,
  turnLog: Logger,
): Promise<AdaptiveCardInvokeResponse> {
  const respond = (card: AdaptiveCard): AdaptiveCardInvokeResponse => ({
    statusCode: 200,
    type: cardType,
    value: card,
  });
  const verb = invoke.action?.verb;
  const data = (invoke.action?.data ?? {}) as Data;
  const actor = actorOf(context);
  const log = turnLog.child({
    verb: typeof verb === 'string' ? verb.slice(0, 40) : 'none',
    actorId: actor?.id,
    activityId: context.activity.id,
  });
  try {
    if (!actor) fail('NOT_AUTHORISED', 'Your Teams account could not be identified.');
    if (verb === verbs.incidentSubmit)
      return respond(await submitReport(context, deps, log, actor, data, 'execute'));
    if (verb === verbs.caseRefresh)
      return respond(await renderCase(deps, await authorisedCase(deps, actor, data)));
    if (isCaseVerb(verb)) return respond(await actOnCase(deps, log, actor, verb, data));
    if (isAssessmentVerb(verb)) return respond(await onAssessmentAction(deps, log, actor, verb, data));
    if (isQuizVerb(verb)) return respond(await onQuizAction(context, deps, log, verb, data));
    if (isSharingVerb(verb)) return respond(await onSharingAction(deps, log, actor, verb, data));
    log.warn({ event: 'card.unknownVerb' }, 'unknown card verb');
    return respond(
      messageCard('That action is not recognised', ['Refresh the card and try again.'], {
        tone: 'attention',
      }),
    );
  } catch (err) {
    return respond(errorCard(err, log, context.activity.id ?? ''));
  }
}

/** A report from the form (chat or message-extension dialog): the receipt, or the form again with its problems. */
export async function submitReport(
  context: TurnContext,
  deps: BotDeps,
  log: Logger,
  actor: Actor,
  data: Data,
  mode: 'execute' | 'submit',
): Promise<AdaptiveCard> {
  const { pack, clock, cases } = deps;
  const parsed = parseReport(data, pack, clock);
  if (!parsed.ok) {
    log.info(
      { event: 'report.invalid', actorId: actor.id, fields: Object.keys(parsed.errors).join(',') },
      'report returned for correction',
    );
    return reportFormCard(pack, { values: parsed.values, errors: parsed.errors, mode });
  }
  const { state } = await cases.open(
    parsed.input,
    actor,
    `report:${context.activity.id ?? `${actor.id}:${clock.now().toISOString()}`}`,
  );
  return receiptCard(state, pack);
}

async function actOnCase(
  deps: BotDeps,
  log: Logger,
  actor: Actor,
  verb: CaseVerb,
  data: Data,
): Promise<AdaptiveCard> {
  const state = await authorisedCase(deps, actor, data);
  const warn = (text: string) => ({ notice: { text, tone: 'warning' as const } });
  let command: CaseCommand;
  try {
    command = caseActions[verb].parse(data);
  } catch {
    return renderCase(deps, state, warn(caseActions[verb].problem));
  }
  try {
    return await renderCase(deps, (await deps.cases.act(state.id, actor, command)).state);
  } catch (err) {
    const e = toEsafetyError(err);
    if (e.code !== 'CASE_TRANSITION_REFUSED' && e.code !== 'CASE_CLOSED' && e.code !== 'CASE_CONFLICT')
      throw e;
    log.info(
      {
        event: 'case.refusedTransition',
        caseId: state.id,
        code: e.code,
        reason: typeof e.details['reason'] === 'string' ? e.details['reason'] : undefined,
      },
      'action refused',
    );
    // Show the case as it now is, with why: e.g. the DSL who won a claim race.
    const now = (await deps.cases.get(state.id)) ?? state;
    return renderCase(deps, now, warn(e.message));
  }
}

/** `ref` is the activity id: support can find the matching log line (ids only) with it. */
export function errorCard(err: unknown, log: Logger, ref = ''): AdaptiveCard {
  const e = toEsafetyError(err);
  if (e.kind === 'user') {
    log.warn(
      {
        event: 'card.refused',
        code: e.code,
        caseId: typeof e.details['caseId'] === 'string' ? e.details['caseId'] : undefined,
      },
      'card action refused',
    );
    return messageCard(
      e.code === 'NOT_AUTHORISED' ? 'Not allowed' : 'That did not work',
      plainLines([e.message]),
      {
        tone: 'attention',
        ref,
      },
    );
  }
  log.error({ event: 'card.failed', code: e.code }, 'card action failed');
  return messageCard(
    'Something went wrong',
    ['Nothing was lost. Please try again in a moment; if it keeps happening, tell IT.'],
    { tone: 'attention', ref },
  );
}
