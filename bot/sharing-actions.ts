/**
 * The sharing case's actions (issue 12), on the case card for the route's roles — remove the
 * sharing through Microsoft Graph (when the pack allows it), ask the owner, accept it with a reason —
 * and the owner's two answers on the card in their own chat. Every outcome is on the case's record;
 * a removal that failed is said on the card, never hidden.
 */
import { z } from 'zod';
import type { AdaptiveCard } from '../cards/adaptive-card';
import { messageCard } from '../cards/message/message';
import { ownerCard, sharingInputs } from '../cards/sharing/sharing-cards';
import { caseInputs } from '../cards/case-card/case-actions';
import { verbs } from '../cards/verbs';
import type { Actor } from '../core/cases/case-events';
import type { CaseState } from '../core/cases/case-state';
import { fail, toEsafetyError } from '../core/errors';
import type { Logger } from '../core/logger';
import { authorisedCase, namedCase, renderCase } from './case-turn';
import type { BotDeps } from './turn';

const sharingVerbs = [
  verbs.sharingRemoveAccess,
  verbs.sharingAskOwner,
  verbs.sharingAccept,
  verbs.sharingOwnerRemoved,
  verbs.sharingOwnerNeeded,
] as const;
type SharingVerb = (typeof sharingVerbs)[number];

type Data = Record<string, unknown>;

const reason = z.string().trim().min(1).max(500);

export function isSharingVerb(verb: unknown): verb is SharingVerb {
  return sharingVerbs.includes(verb as SharingVerb);
}

export async function onSharingAction(
  deps: BotDeps,
  log: Logger,
  actor: Actor,
  verb: SharingVerb,
  data: Data,
): Promise<AdaptiveCard> {
  if (verb === verbs.sharingOwnerRemoved || verb === verbs.sharingOwnerNeeded)
    return ownerAnswer(deps, log, actor, verb, data);
  const state = await authorisedCase(deps, actor, data);
  const warn = (text: string) => renderCase(deps, state, { notice: { text, tone: 'warning' } });
  if (verb === verbs.sharingAccept) {
    const why = reason.safeParse(data[caseInputs.acceptReason]);
    if (!why.success) return warn('Say why the sharing is acceptable before accepting it.');
    const { state: now } = await deps.cases.act(state.id, actor, {
      kind: 'close',
      outcome: 'noFurtherAction',
      note: `Sharing accepted: ${why.data}`,
    });
    return renderCase(deps, now);
  }
  if (verb === verbs.sharingAskOwner) {
    if (state.subjectId === undefined)
      return warn('Microsoft 365 did not say who shared the file, so there is no one to ask.');
    if (!(await deps.conversations.user(state.subjectId)))
      return warn(
        'The owner has no chat with E-Safety for Teams yet (the app is not installed for them), so they cannot be asked here. Contact them directly and add a note.',
      );
    const { state: now } = await deps.cases.act(state.id, actor, { kind: 'askOwner' });
    return renderCase(deps, now, {
      notice: { text: 'The owner has been asked in their chat. Their answer will show here.', tone: 'info' },
    });
  }
  return removeAccess(deps, log, actor, state);
}

async function removeAccess(
  deps: BotDeps,
  log: Logger,
  actor: Actor,
  state: CaseState,
): Promise<AdaptiveCard> {
  const warn = (text: string) => renderCase(deps, state, { notice: { text, tone: 'warning' } });
  // A card sent before the case closed: nothing is removed that the record would not show.
  if (state.status === 'closed') return warn(`Case ${state.reference} is closed; reopen it first.`);
  if (!deps.pack.sharing.removeAccess)
    return warn('Removing sharing from here is off in the policy: ask the owner, or IT, to remove it.');
  if (!deps.sharing)
    return warn('Microsoft Graph is not configured, so sharing cannot be removed from here.');
  const refs = await deps.sharing.state.permissionsOf(state.id);
  if (refs.length === 0) return warn('No sharing is recorded on this case to remove.');
  let removed = 0;
  let gone = 0;
  const failures: (number | undefined)[] = [];
  for (const ref of refs) {
    try {
      if ((await deps.sharing.graph.removePermission(ref)) === 'removed') removed++;
      else gone++;
    } catch (err) {
      const status = toEsafetyError(err).details['status'];
      failures.push(typeof status === 'number' ? status : undefined);
    }
  }
  log.info(
    { caseId: state.id, removed, gone, failed: failures.length, event: 'sharing.removed' },
    'sharing removed from the case card',
  );
  const { state: now } = await deps.cases.act(state.id, actor, {
    kind: 'recordAccessRemoval',
    removed,
    gone,
    failed: failures.length,
  });
  if (failures.length === 0)
    return renderCase(deps, now, {
      notice: {
        text: `Removed: ${removed} ${removed === 1 ? 'link or grant' : 'links or grants'}${gone > 0 ? ` (${gone} already gone)` : ''}.`,
        tone: 'info',
      },
    });
  const denied = failures.some((s) => s === 401 || s === 403);
  return renderCase(deps, now, {
    notice: {
      text: `${failures.length} of ${refs.length} could not be removed and ${failures.length === 1 ? 'is' : 'are'} still shared${
        denied
          ? ': Microsoft 365 refused — the app needs Files.ReadWrite.All (see docs/permissions.md).'
          : ': Microsoft 365 did not answer. Try again in a moment.'
      }`,
      tone: 'warning',
    },
  });
}

async function ownerAnswer(
  deps: BotDeps,
  log: Logger,
  actor: Actor,
  verb: SharingVerb,
  data: Data,
): Promise<AdaptiveCard> {
  const state = await namedCase(deps, data);
  // Before anything about the case is shown: only the person who shared may see or answer this.
  if (state.source !== 'sharingSignal' || actor.id !== state.subjectId)
    fail('NOT_AUTHORISED', 'Only the person who shared the file can answer.', { caseId: state.id });
  let why: string | undefined;
  if (verb === verbs.sharingOwnerNeeded) {
    const parsed = reason.safeParse(data[sharingInputs.reason]);
    if (!parsed.success) return ownerCard(state, deps.pack, 'Say why the sharing is needed, then send it.');
    why = parsed.data;
  }
  await deps.cases.act(state.id, actor, {
    kind: 'answerAsOwner',
    answer: verb === verbs.sharingOwnerRemoved ? 'removed' : 'needed',
    ...(why !== undefined && { reason: why }),
  });
  log.info({ caseId: state.id, event: 'sharing.ownerAnswered' }, 'owner answered about their sharing');
  return messageCard('Thank you', [
    `Your answer is on the record (reference ${state.reference}).`,
    'The safeguarding team will be in touch if anything more is needed.',
  ]);
}
