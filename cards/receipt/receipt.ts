/** The reporter's receipt: the case reference, where it went, and what happens next. */
import type { CaseState } from '../../core/cases/case-state';
import { severityText } from '../../core/cases/case-words';
import type { PolicyPack } from '../../core/policy/policy-pack';
import { findCategory } from '../../core/policy/routing';
import { expand, minutesText, type AdaptiveCard } from '../adaptive-card';
import { plain } from '../markdown';
import template from './receipt.json';

export function receiptCard(state: CaseState, pack: PolicyPack): AdaptiveCard {
  const item = findCategory(pack, state.category);
  return expand(template, {
    reference: state.reference,
    routeName: plain(pack.routes[state.route]?.displayName ?? 'the safeguarding team'),
    severity: severityText[state.severity],
    target: minutesText(pack.responseTargets.claimWithinMinutes[state.severity]),
    sexualImagery: item?.sexualImagery ?? false,
    immediateRisk: state.immediateRisk,
  });
}
