/**
 * Signal intake: the one use case every monitoring source feeds. A source observes something (a
 * Teams message today; a sharing link or a third-party alert next), finds its signals, and hands
 * them here as an observation. The intake decides, in one place:
 *
 * - **seen before** — every signal of the observation is already recorded (a redelivery, a replay,
 *   a backfill): nothing happens;
 * - **same origin** — the thing observed already went to a case (an edited message): what it newly
 *   says joins that case, even after the aggregation window, never a new one;
 * - **joins an open case** — the scope (a conversation) has a case collecting its signals within
 *   the pack's aggregation window: the new signals join it;
 * - **new case** — otherwise a case opens with the leading signal and the rest on its chronology.
 *
 * The case and its events are written in one transaction and queue one follow-up (the card post).
 * The ledger (aggregation windows, which case each signal went to) is an index in front of the
 * case: it is written after the case, and the case head, which holds every signal key it recorded,
 * is the authority when a crash left the ledger behind.
 */
import type { Actor } from '../cases/case-events';
import { caseIdFor } from '../cases/case-events';
import type { CaseService, OpenCaseInput } from '../cases/case-service';
import type { Clock } from '../clock';
import { fail } from '../errors';
import type { Logger } from '../logger';
import type { PolicyPack } from '../policy/policy-pack';
import { leadingSignal, type Signal } from './signal';
import type { SignalLedger } from './signal-ledger';

export interface Observation {
  /** The automated actor recorded on the case and its events. */
  readonly actor: Actor;
  /** What the aggregation window is kept per: a hashed conversation (never a raw id). */
  readonly scope: string;
  /** The thing observed within the scope (a message id): a later version of it joins its case. */
  readonly origin: string;
  readonly signals: readonly Signal[];
  /** How a new case opens when `lead` leads the observation's new signals. */
  opening(lead: Signal, fresh: readonly Signal[]): OpenCaseInput;
}

export type IntakeOutcome =
  | { readonly outcome: 'noSignal' }
  /** Every signal was recorded before: nothing written. */
  | { readonly outcome: 'seenBefore' }
  /** The origin's case was closed by a DSL: what an edit newly says is not added to it. */
  | { readonly outcome: 'caseClosed'; readonly caseId: string }
  | {
      readonly outcome: 'opened' | 'joined';
      readonly caseId: string;
      /** Events written: the opening one and the signals added. */
      readonly added: number;
    };

export interface SignalIntakeDeps {
  readonly pack: PolicyPack;
  readonly cases: Pick<CaseService, 'recordSignals'>;
  readonly ledger: SignalLedger;
  readonly clock: Clock;
  readonly log: Logger;
}

/** A new window closed by a DSL while we worked, three times running: let the queue retry. */
const maxWindowAttempts = 3;

export class SignalIntake {
  private readonly log: Logger;

  constructor(private readonly deps: SignalIntakeDeps) {
    this.log = deps.log.child({ component: 'signal-intake' });
  }

  async receive(observation: Observation): Promise<IntakeOutcome> {
    const { ledger } = this.deps;
    const { scope, signals } = observation;
    if (signals.length === 0) return { outcome: 'noSignal' };
    const originKey = `origin:${scope}:${observation.origin}`;
    const recorded = await ledger.recorded([...signals.map((s) => s.key), originKey]);
    const fresh = signals.filter((s) => !recorded.has(s.key));
    if (fresh.length === 0) {
      this.log.info({ scope, signals: signals.length, event: 'intake.seenBefore' }, 'signals seen before');
      return { outcome: 'seenBefore' };
    }
    const earlier = recorded.has(originKey) ? await ledger.caseOf(originKey) : undefined;
    if (earlier !== undefined) return this.joinOriginCase(earlier, fresh, observation);

    const lead = leadingSignal(fresh) ?? fail('UNEXPECTED', 'No leading signal.');
    const windowMs = this.deps.pack.detection.aggregationWindowMinutes * 60_000;
    let caseKey = await ledger.claimWindow(scope, lead.key, this.deps.clock.now(), windowMs);
    for (let attempt = 0; attempt < maxWindowAttempts; attempt++) {
      const recording = await this.deps.cases.recordSignals({
        caseId: caseIdFor(caseKey),
        opening: { ...observation.opening(lead, fresh), signalKey: lead.key },
        signals: fresh,
        actor: observation.actor,
      });
      if (recording.status === 'closed') {
        // The DSL closed this scope's case: further signals start a new one.
        caseKey = await ledger.replaceWindow(scope, caseKey, lead.key, this.deps.clock.now());
        continue;
      }
      await ledger.record([...fresh.map((s) => s.key), originKey], recording.state.id);
      this.log.info(
        {
          caseId: recording.state.id,
          scope,
          signals: fresh.length,
          added: recording.added,
          event: recording.status === 'opened' ? 'intake.opened' : 'intake.joined',
        },
        recording.status === 'opened' ? 'signals opened a case' : 'signals joined the open case',
      );
      return { outcome: recording.status, caseId: recording.state.id, added: recording.added };
    }
    return fail('CASE_CONFLICT', "The scope's aggregation window kept changing.", { scope });
  }

  private async joinOriginCase(
    caseId: string,
    fresh: readonly Signal[],
    observation: Observation,
  ): Promise<IntakeOutcome> {
    const recording = await this.deps.cases.recordSignals({
      caseId,
      signals: fresh,
      actor: observation.actor,
    });
    if (recording.status === 'closed') {
      // Closed by a DSL: an edit is left out rather than opening a second case for one message.
      this.log.info(
        { caseId, scope: observation.scope, event: 'intake.originCaseClosed' },
        'new signals from an edit of a message whose case is closed',
      );
      return { outcome: 'caseClosed', caseId };
    }
    await this.deps.ledger.record(
      fresh.map((s) => s.key),
      caseId,
    );
    this.log.info(
      { caseId, scope: observation.scope, added: recording.added, event: 'intake.joined' },
      'new signals of an earlier message joined its case',
    );
    return { outcome: 'joined', caseId, added: recording.added };
  }
}
