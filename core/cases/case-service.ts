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
import type { Signal } from '../intake/signal';
import type {
  Actor,
  CaseEvent,
  CaseEventBody,
  CaseSource,
  SignalData,
  SubjectPart,
  Under18,
} from './case-events';
import { caseIdFor, genesisHash, sealEvent, signalKeyHash } from './case-events';
import type { CaseCommand, CaseState } from './case-state';
import { decide, evolve, signalEvents } from './case-state';
import type { CaseListFilter, CaseStore, CaseSummary } from './case-store';

export interface OpenCaseInput {
  readonly source: CaseSource;
  readonly subjectType: SubjectType;
  readonly subjectId?: string;
  readonly subjectName?: string;
  readonly under18: Under18;
  /** Harmed, acted, both or not known (the default). */
  readonly subjectPart?: SubjectPart;
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
  /** A route the source's rule names (a sharing rule's); the pack's routing rules otherwise. */
  readonly route?: string;
  /**
   * The key of the signal recorded as the opening one, when it differs from the idempotency key
   * (a signal opening the case of an aggregation window another signal claimed).
   */
  readonly signalKey?: string;
}

/** What recording signals on a case did (see `CaseService.recordSignals`). */
export type SignalRecording =
  | { readonly status: 'opened' | 'joined'; readonly state: CaseState; readonly added: number }
  | { readonly status: 'closed'; readonly caseId: string };

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
   * Opens a case for a report. `idempotencyKey` is deterministic per report (the Teams activity
   * id): the same report twice yields one case.
   */
  async open(
    input: OpenCaseInput,
    reporter: Actor,
    idempotencyKey: string,
  ): Promise<{ state: CaseState; created: boolean }> {
    const caseId = caseIdFor(idempotencyKey);
    const existing = await this.deps.store.load(caseId);
    if (existing) {
      this.log.info({ caseId, event: 'case.alreadyOpened' }, 'report already made this case; no new case');
      return { state: existing.state, created: false };
    }
    const opened = await this.openedEvent(caseId, input, reporter, input.signalKey ?? idempotencyKey);
    const { created, snapshot } = await this.deps.store.create(evolve(undefined, opened), [opened]);
    if (created) await this.notify(snapshot.state, opened);
    this.logOpened(snapshot.state, created);
    return { state: snapshot.state, created };
  }

  /**
   * Records monitoring signals on the case `caseId`, in one transaction: if the case does not exist
   * it is opened (from `opening`, the leading signal) with the other signals on its chronology;
   * if it is open, the signals it does not hold yet are appended; a closed case is left alone
   * (`status: 'closed'`: the caller starts a new case). Concurrent callers for one case all end
   * up with one case and each signal once; one follow-up is sent per change.
   */
  async recordSignals(request: {
    readonly caseId: string;
    /** How the case opens if it does not exist yet; without it, the case must exist. */
    readonly opening?: OpenCaseInput;
    readonly signals: readonly Signal[];
    readonly actor: Actor;
  }): Promise<SignalRecording> {
    const { store } = this.deps;
    const { caseId, opening, signals, actor } = request;
    const attempt = async (): Promise<SignalRecording> => {
      const snap = await store.load(caseId);
      if (!snap) {
        if (!opening) return fail('CASE_NOT_FOUND', 'That case does not exist.', { caseId });
        const lead = opening.signalKey ?? caseId;
        const first = await this.openedEvent(caseId, opening, actor, lead);
        const events = this.seal(
          evolve(undefined, first),
          [first],
          signalEvents(evolve(undefined, first), signals),
          actor,
        );
        const { created, snapshot } = await store.create(events.state, events.all);
        // Another worker opened it first: append to theirs instead.
        if (!created) return fail('CASE_CONFLICT', 'The case was opened at the same moment.', { caseId });
        await this.notify(snapshot.state, events.all[events.all.length - 1] ?? first);
        this.logOpened(snapshot.state, true);
        return { status: 'opened', state: snapshot.state, added: events.all.length };
      }
      if (snap.state.status === 'closed') return { status: 'closed', caseId };
      const { state, all } = this.seal(snap.state, [], signalEvents(snap.state, signals), actor);
      if (all.length === 0) return { status: 'joined', state, added: 0 };
      await store.commit(caseId, snap.token, state, all);
      await this.notify(state, all[all.length - 1] ?? all[0]!);
      this.log.info(
        { caseId, added: all.length, event: 'case.signalsJoined' },
        'signals joined the open case',
      );
      return { status: 'joined', state, added: all.length };
    };
    return this.withConflictRetry(attempt);
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
    const { store, pack } = this.deps;
    const result = await this.withConflictRetry(async () => {
      const snap =
        (await store.load(caseId)) ?? fail('CASE_NOT_FOUND', 'That case does not exist.', { caseId });
      const body: CaseEventBody = decide(snap.state, command, actor, pack);
      const { state, all } = this.seal(snap.state, [], [body], actor);
      const event = all[0]!;
      await store.commit(caseId, snap.token, state, all);
      return { state, event };
    });
    this.log.info(
      { caseId, seq: result.event.seq, type: result.event.type, event: 'case.acted' },
      'case updated',
    );
    await this.notify(result.state, result.event);
    return result;
  }

  private withConflictRetry<T>(attempt: () => Promise<T>): Promise<T> {
    const retry = this.deps.conflictRetry ?? { attempts: 40, maxDelayMs: 250 };
    return backOff(attempt, {
      numOfAttempts: retry.attempts,
      startingDelay: 5,
      timeMultiple: 2,
      maxDelay: retry.maxDelayMs,
      jitter: 'full',
      retry: (err: unknown) => isErrorCode(err, 'CASE_CONFLICT'),
    });
  }

  /** Seals `bodies` as the next events after `state` (and `sealed`), folding them in. */
  private seal(
    state: CaseState,
    sealed: readonly CaseEvent[],
    bodies: readonly CaseEventBody[],
    actor: Actor,
  ): { state: CaseState; all: CaseEvent[] } {
    const at = this.deps.clock.now().toISOString();
    const all = [...sealed];
    let current = state;
    for (const body of bodies) {
      const event = sealEvent({
        caseId: current.id,
        seq: current.version + 1,
        at,
        actorId: actor.id,
        ...(actor.name !== undefined && { actorName: actor.name }),
        prevHash: current.lastHash,
        ...body,
      });
      current = evolve(current, event);
      all.push(event);
    }
    return { state: current, all };
  }

  private async openedEvent(
    caseId: string,
    input: OpenCaseInput,
    reporter: Actor,
    signalKey: string,
  ): Promise<CaseEvent> {
    const { store, pack, clock } = this.deps;
    const item =
      findCategory(pack, input.category) ??
      fail('INPUT_INVALID', `"${input.category}" is not a category in the policy.`, { field: 'category' });
    const severity: Severity = input.immediateRisk ? 'critical' : (input.severity ?? item.defaultSeverity);
    const now = clock.now();
    const reference = await store.referenceFor(caseId, now.getUTCFullYear());
    return sealEvent({
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
        route:
          input.route !== undefined && pack.routes[input.route]
            ? input.route
            : routeFor(pack, { subjectType: input.subjectType, category: item.id, severity }),
        area: item.area,
        category: item.id,
        severity,
        subjectType: input.subjectType,
        ...(input.subjectId !== undefined && { subjectId: input.subjectId }),
        under18: input.under18,
        subjectPart: input.subjectPart ?? 'unknown',
        immediateRisk: input.immediateRisk,
        ...(input.occurredAt !== undefined && { occurredAt: input.occurredAt }),
        ...(input.platform !== undefined && { platform: input.platform }),
        signalKey: signalKeyHash(signalKey),
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
  }

  private logOpened(state: CaseState, created: boolean): void {
    this.log.info(
      {
        caseId: state.id,
        reference: state.reference,
        route: state.route,
        severity: state.severity,
        created,
        event: created ? 'case.opened' : 'case.alreadyOpened',
      },
      created ? 'case opened' : 'case already opened; no new case',
    );
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
