/**
 * The card a person gets in their own chat when a DSL asks them about a file they shared: what the
 * case found (text from Graph, escaped), and two answers — removed, or needed with why. Only the
 * case's own summary is shown: never a DSL's notes.
 */
import type { CaseState } from '../../core/cases/case-state';
import type { PolicyPack } from '../../core/policy/policy-pack';
import { expand, type AdaptiveCard } from '../adaptive-card';
import { plain } from '../markdown';
import { verbs } from '../verbs';
import template from './owner.json';

export const sharingInputs = { reason: 'ownerReason' } as const;

export function ownerCard(state: CaseState, pack: PolicyPack, problem = ''): AdaptiveCard {
  return expand(template, {
    problem: plain(problem),
    caseId: state.id,
    reference: state.reference,
    routeName: plain(pack.routes[state.route]?.displayName ?? 'The safeguarding team'),
    summary: plain(state.narrative.summary),
    inputs: sharingInputs,
    verbs: { removed: verbs.sharingOwnerRemoved, needed: verbs.sharingOwnerNeeded },
  });
}
