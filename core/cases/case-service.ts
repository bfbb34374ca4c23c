/**
 * Case use cases: open a case from an inbound signal (idempotently) and act on it (with optimistic
 * concurrency). Edges (bot, functions, CLI) call these; they hold no business rules themselves.
 */
import { backOff } from 'exponential-backoff';
import type { Clock } from '../clock';
import { fail, isErrorCode, toEsafetyError } from '../errors';
import type { Logger } from '../logger';
import type { PolicyPack, Severity, SubjectType } from '../policy/policy-pack';
import { findCategory, routeFor } from '../policy/routing';
import type { Actor, CaseEvent, CaseEventBody, CaseSource, SignalData, Under18 } from './case-events';
import { caseIdFor, genesisHash, sealEvent, signalKeyHash } from './case-events';
import type { CaseCommand, CaseState } from './case-state';
import { decide, evolve } from './case-state';
import type { CaseListFilter, CaseStore, CaseSummary } from './case-store';

export interface OpenCaseInput {
  readonly source: CaseSource;
  readonly subjectType: SubjectType;
  readonly subjectId?: string;
  readonly subjectName?: string;
  readonly under18: Under18;
  /** A taxonomy item id from the pack. */
  readonly category: string;
  /** Defaults to the category's default severity; immediate risk makes it critical. */
  readonly severity?: Severity;
  readonly description: string;
  readonly actionsTaken?: string;
  readonly occurredAt?: string;
  readonly platform?: string;
  readonly immediateRisk: boolean;
  /** Automated signals: what was detected, a short excerpt and where. */
  readonly signal?: SignalData;
  readonly excerpt?: string;
  readonly link?: string;
  /**
   * The key of the signal recorded as the opening one, when it differs from the idempotency key
   * (a signal opening the case of an aggregation window another signal claimed).
   */
  readonly signalKey?: string;
}

export interface CaseServiceDeps {
  readonly store: CaseStore;
  readonly pack: PolicyPack;
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * Told after every committed change (queues the card post and reporter notices). A failure here
   * is logged, not thrown: the change is already safe, and the outbox sweep re-posts what is missing.
   */
  readonly onChange?: (state: CaseState, event: CaseEvent) => Promise<void>;
  /** Retry policy for concurrent writes; the defaults suit people clicking on a card. */
  readonly conflictRetry?: { readonly attempts: number; readonly maxDelayMs: number };
}

export class CaseService {
  private readonly log: Logger;

  constructor(private readonly deps: CaseServiceDeps) {
    this.log = deps.log.child({ component: 'case-service' });
  }

  /**
   * Opens a case for an inbound signal. `idempotencyKey` is deterministic per signal (an activity
   * id, a Graph notification's resource id …): the same signal twice yields one case.
   */
  async open(
    input: OpenCaseInput,
    reporter: Actor,
    idempotencyKey: string,
  ): Promise<{ state: CaseState; created: boolean }> {
    const { store, pack, clock } = this.deps;
    const item = findCategory(pack, input.category);
    if (!item)
      return fail('INPUT_INVALID', `"${input.category}" is not a category in the policy.`, {
        field: 'category',
      });
    const caseId = caseIdFor(idempotencyKey);
    const existing = await store.load(caseId);
    if (existing) {
      this.log.info({ caseId, event: 'case.duplicateSignal' }, 'signal already recorded; no new case');
      return { state: existing.state, created: false };
    }
    const severity: Severity = input.immediateRisk ? 'critical' : (input.severity ?? item.defaultSeverity);
    const now = clock.now();
    const reference = await store.nextReference(now.getUTCFullYear());
    const event = sealEvent({
      caseId,
      seq: 1,
      at: now.toISOString(),
      actorId: reporter.id,
      ...(reporter.name !== undefined && { actorName: reporter.name }),
      prevHash: genesisHash,
      type: 'opened',
      data: {
        reference,
        source: input.source,
        route: routeFor(pack, { subjectType: input.subjectType, category: item.id, severity }),
        area: item.area,
        category: item.id,
        severity,
        subjectType: input.subjectType,
        ...(input.subjectId !== undefined && { subjectId: input.subjectId }),
        under18: input.under18,
        immediateRisk: input.immediateRisk,
        ...(input.occurredAt !== undefined && { occurredAt: input.occurredAt }),
        ...(input.platform !== undefined && { platform: input.platform }),
        signalKey: signalKeyHash(input.signalKey ?? idempotencyKey),
        ...(input.signal !== undefined && { signal: input.signal }),
      },
      narrative: {
        description: input.description,
        ...(input.subjectName !== undefined && { subjectName: input.subjectName }),
        ...(input.actionsTaken !== undefined && { actionsTaken: input.actionsTaken }),
        ...(input.excerpt !== undefined && { excerpt: input.excerpt }),
        ...(input.link !== undefined && { link: input.link }),
      },
    });
    const { created, snapshot } = await store.create(evolve(undefined, event), event);
    if (created) await this.notify(snapshot.state, event);
    this.log.info(
      {
        caseId,
        reference: snapshot.state.reference,
        route: snapshot.state.route,
        severity,
        created,
        event: 'case.opened',
      },
      created ? 'case opened' : 'signal already recorded; no new case',
    );
    return { state: snapshot.state, created };
  }

  /**
   * Applies a command to a case. On a concurrent write the command is decided again on the fresh
   * state: it is appended if it still makes sense, refused (coded error) if it no longer does.
   */
  async act(
    caseId: string,
    actor: Actor,
    command: CaseCommand,
  ): Promise<{ state: CaseState; event: CaseEvent }> {
    const { store, pack, clock } = this.deps;
    const retry = this.deps.conflictRetry ?? { attempts: 40, maxDelayMs: 250 };
    const attempt = async () => {
      const snap =
        (await store.load(caseId)) ?? fail('CASE_NOT_FOUND', 'That case does not exist.', { caseId });
      const body: CaseEventBody = decide(snap.state, command, actor, pack);
      const event = sealEvent({
        caseId,
        seq: snap.state.version + 1,
        at: clock.now().toISOString(),
        actorId: actor.id,
        ...(actor.name !== undefined && { actorName: actor.name }),
        prevHash: snap.state.lastHash,
        ...body,
      });
      const state = evolve(snap.state, event);
      await store.commit(caseId, snap.token, state, [event]);
      return { state, event };
    };
    const result = await backOff(attempt, {
      numOfAttempts: retry.attempts,
      startingDelay: 5,
      timeMultiple: 2,
      maxDelay: retry.maxDelayMs,
      jitter: 'full',
      retry: (err: unknown) => isErrorCode(err, 'CASE_CONFLICT'),
    });
    this.log.info(
      { caseId, seq: result.event.seq, type: result.event.type, event: 'case.acted' },
      'case updated',
    );
    await this.notify(result.state, result.event);
    return result;
  }

  private async notify(state: CaseState, event: CaseEvent): Promise<void> {
    try {
      await this.deps.onChange?.(state, event);
    } catch (err) {
      this.log.error(
        { caseId: state.id, seq: event.seq, code: toEsafetyError(err).code, event: 'case.followUpFailed' },
        'follow-up not queued',
      );
    }
  }

  async get(caseId: string): Promise<CaseState | undefined> {
    return (await this.deps.store.load(caseId))?.state;
  }

  /** Accepts a reference (`ES-2026-0042`) or an internal id. */
  async resolve(refOrId: string): Promise<CaseState> {
    const { store } = this.deps;
    const id = /^ES-\d{4}-\d+$/i.test(refOrId)
      ? await store.findIdByReference(refOrId.toUpperCase())
      : refOrId;
    const state = id === undefined ? undefined : await this.get(id);
    return state ?? fail('CASE_NOT_FOUND', `No case ${refOrId}.`, { ref: refOrId });
  }

  chronology(caseId: string): Promise<CaseEvent[]> {
    return this.deps.store.events(caseId);
  }

  list(filter?: CaseListFilter): Promise<CaseSummary[]> {
    return this.deps.store.list(filter);
  }
}
