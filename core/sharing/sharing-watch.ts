/**
 * Watching OneDrive and SharePoint sharing (issue 12): two sources, one pipeline.
 *
 * - **Fast path:** a Graph subscription on each drive the pack names sensitive notifies the app
 *   when anything in it changes, sharing included (`Prefer: includesecuritywebhooks`); the worker
 *   calls `driveChanged`, which reads the drive's `delta` from the link kept for it and looks at
 *   every item whose sharing changed.
 * - **Tenant-wide:** a timer calls `sweep`, which reads the audit log's sharing operations over a
 *   window reaching back `auditOverlapMinutes` before the last sweep ended (records arrive late),
 *   splitting any window whose query hit the record-count limit, and looks at every item named.
 *
 * Either way an item is looked at the same way: its permissions as Graph has them *now* (so a link
 * already removed is not a case), each evaluated against the pack, each risky one handed to the
 * signal intake keyed by the permission — the same share seen by both sources, or twice, is one
 * signal. Nothing risky is dropped and counted. Progress (a drive's delta link, the sweep's
 * watermark) is saved only after everything it covers was handled, so a crash repeats work (which
 * the intake recognises) and never skips it.
 */
import type { Directory } from '../auth/authorise';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { SignalIntake } from '../intake/signal-intake';
import type { SignalLedger } from '../intake/signal-ledger';
import type { PolicyPack, SubjectType } from '../policy/policy-pack';
import { sharingObservation } from './sharing-intake';
import { evaluateSharing, type SharingSignal } from './sharing-signal';

export interface ItemRef {
  readonly driveId: string;
  readonly itemId: string;
}

export interface PermissionRef extends ItemRef {
  readonly permissionId: string;
}

/** What a drive's delta said since the link kept for it. */
export interface DriveChanges {
  /** Items whose sharing changed (every shared item after a full enumeration). */
  readonly items: readonly ItemRef[];
  /** Where the next delta starts. */
  readonly deltaLink: string;
  /** The kept link was refused (410) and the drive was enumerated again from the start. */
  readonly resynced: boolean;
}

/** What one audit-log query found for a window. */
export interface AuditWindow {
  /** The items the sharing records name (each once). */
  readonly items: readonly ItemRef[];
  readonly records: number;
  /** Records naming something that is no longer there (deleted since). */
  readonly unresolved: number;
  /** The query stopped at its record-count limit: the window must be split. */
  readonly limitExceeded: boolean;
}

/** Microsoft Graph, as the watch needs it (adapters/graph-sharing.ts). */
export interface SharingGraph {
  /** An item's permissions as sharing signals; undefined when the item is gone. */
  sharesOf(item: ItemRef, source: SharingSignal['source']): Promise<SharingSignal[] | undefined>;
  /** The drive's changes since `deltaLink` (from the start when undefined), every page read. */
  driveChanges(driveId: string, deltaLink: string | undefined): Promise<DriveChanges>;
  /** Sharing operations recorded in [from, to), the query polled to completion and paged. */
  auditWindow(from: Date, to: Date): Promise<AuditWindow>;
  /** Deletes a permission; `gone` when it was already removed. */
  removePermission(ref: PermissionRef): Promise<'removed' | 'gone'>;
}

/** One sweep, as `esafety sharing status` shows it. */
export interface SweepRecord {
  /** The watermark: the end of the window covered. */
  readonly until: string;
  readonly from: string;
  readonly ranAt: string;
  readonly records: number;
  readonly windows: number;
  readonly items: number;
  readonly risky: number;
  readonly dropped: number;
}

/** What the watch keeps between runs (Table Storage in production). */
export interface SharingState {
  deltaLink(driveId: string): Promise<string | undefined>;
  saveDeltaLink(driveId: string, link: string, at: Date): Promise<void>;
  deltaLinks(): Promise<{ driveId: string; savedAt: string }[]>;
  lastSweep(): Promise<SweepRecord | undefined>;
  saveSweep(record: SweepRecord): Promise<void>;
  /** The permissions behind a case (what "Remove the link / access" removes). */
  addPermissions(caseId: string, refs: readonly PermissionRef[]): Promise<void>;
  permissionsOf(caseId: string): Promise<PermissionRef[]>;
}

export interface SharingWatchDeps {
  readonly graph: SharingGraph;
  readonly state: SharingState;
  readonly intake: Pick<SignalIntake, 'receive'>;
  readonly ledger: Pick<SignalLedger, 'caseOf'>;
  readonly directory: Directory;
  readonly pack: PolicyPack;
  readonly clock: Clock;
}

/** What looking at some items found. */
export interface Tally {
  items: number;
  risky: number;
  dropped: number;
  cases: Set<string>;
}

const newTally = (): Tally => ({ items: 0, risky: 0, dropped: 0, cases: new Set() });

/** Items looked at side by side (each is a few Graph reads). */
const parallelItems = 8;
/** A window is not split below a minute: its first `limit` records are taken and a warning logged. */
const smallestWindowMs = 60_000;

export class SharingWatch {
  /** Drives being read now: a notification arriving meanwhile asks for one more read after it. */
  private readonly reading = new Map<string, { again: boolean; done: Promise<Tally> }>();

  constructor(private readonly deps: SharingWatchDeps) {}

  /**
   * A sensitive drive changed: its delta since the kept link, each item whose sharing changed.
   * Notifications come in bursts (a folder shared, 200 files at once); while a drive is being read,
   * the ones that arrive share one further read, which starts after them and so sees their change.
   */
  driveChanged(driveId: string, log: Logger): Promise<Tally> {
    const running = this.reading.get(driveId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const entry = { again: false, done: Promise.resolve(newTally()) };
    entry.done = (async () => {
      try {
        let tally: Tally;
        do {
          entry.again = false;
          tally = await this.readDrive(driveId, log);
        } while (entry.again);
        return tally;
      } finally {
        this.reading.delete(driveId);
      }
    })();
    this.reading.set(driveId, entry);
    return entry.done;
  }

  private async readDrive(driveId: string, log: Logger): Promise<Tally> {
    const { graph, state, clock } = this.deps;
    const changes = await graph.driveChanges(driveId, await state.deltaLink(driveId));
    const tally = await this.items(changes.items, 'delta', log);
    await state.saveDeltaLink(driveId, changes.deltaLink, clock.now());
    log.info(
      {
        driveId,
        resynced: changes.resynced,
        items: tally.items,
        risky: tally.risky,
        dropped: tally.dropped,
        event: changes.resynced ? 'sharing.resynced' : 'sharing.delta',
      },
      changes.resynced ? 'drive enumerated again after its delta link expired' : 'drive changes read',
    );
    return tally;
  }

  /**
   * The audit-log sweep: from `since` (default: the last watermark less the overlap) to now. The
   * watermark moves only forward, and only once every item found was handled.
   */
  async sweep(log: Logger, options: { since?: Date } = {}): Promise<SweepRecord> {
    const { graph, state, clock, pack } = this.deps;
    const until = clock.now();
    const last = await state.lastSweep();
    const overlapMs = pack.sharing.auditOverlapMinutes * 60_000;
    const from = options.since ?? new Date((last ? Date.parse(last.until) : until.getTime()) - overlapMs);
    const pending: [Date, Date][] = [[from, until]];
    const items = new Map<string, ItemRef>();
    let records = 0;
    let windows = 0;
    while (pending.length > 0) {
      const [a, b] = pending.pop()!;
      const found = await graph.auditWindow(a, b);
      windows++;
      const span = b.getTime() - a.getTime();
      if (found.limitExceeded && span > smallestWindowMs) {
        const middle = new Date(a.getTime() + Math.floor(span / 2));
        pending.push([middle, b], [a, middle]);
        continue;
      }
      if (found.limitExceeded)
        log.warn(
          { from: a.toISOString(), to: b.toISOString(), event: 'sharing.limitExceeded' },
          'a minute of the audit log holds more sharing records than one query returns',
        );
      records += found.records;
      for (const item of found.items) items.set(`${item.driveId}/${item.itemId}`, item);
    }
    const tally = await this.items([...items.values()], 'audit', log);
    const record: SweepRecord = {
      from: from.toISOString(),
      until: last && Date.parse(last.until) > until.getTime() ? last.until : until.toISOString(),
      ranAt: clock.now().toISOString(),
      records,
      windows,
      items: tally.items,
      risky: tally.risky,
      dropped: tally.dropped,
    };
    await state.saveSweep(record);
    log.info(
      {
        records,
        windows,
        items: tally.items,
        risky: tally.risky,
        dropped: tally.dropped,
        cases: tally.cases.size,
        event: 'sharing.swept',
      },
      'audit log swept for sharing',
    );
    return record;
  }

  /**
   * Looks at items, a few at a time: their permissions read side by side, then each risky share
   * handed to the intake one person at a time (one person's shares join one case: handing them in
   * together would only make them wait for each other).
   */
  async items(refs: readonly ItemRef[], source: SharingSignal['source'], log: Logger): Promise<Tally> {
    const tally = newTally();
    const learners = new Map<string, Promise<boolean>>();
    const bySharer = new Map<string, Promise<void>>();
    const queueFor = (sharer: string, work: () => Promise<void>) => {
      const next = (bySharer.get(sharer) ?? Promise.resolve()).then(work);
      bySharer.set(sharer, next);
      return next;
    };
    for (let i = 0; i < refs.length; i += parallelItems) {
      await Promise.all(
        refs.slice(i, i + parallelItems).map((ref) => this.item(ref, source, tally, learners, queueFor)),
      );
    }
    await Promise.all(bySharer.values());
    if (tally.dropped > 0)
      log.info(
        { dropped: tally.dropped, source, event: 'sharing.dropped' },
        'shares not risky under the pack',
      );
    return tally;
  }

  private async item(
    ref: ItemRef,
    source: SharingSignal['source'],
    tally: Tally,
    learners: Map<string, Promise<boolean>>,
    queueFor: (sharer: string, work: () => Promise<void>) => Promise<void>,
  ): Promise<void> {
    const { graph, pack, intake, ledger, state } = this.deps;
    const shares = await graph.sharesOf(ref, source);
    tally.items++;
    if (!shares) return;
    const isLearner = (id: string) => {
      if (!learners.has(id)) learners.set(id, this.isLearner(id));
      return learners.get(id)!;
    };
    for (const share of shares) {
      const ownerIsLearner = share.personalDrive ? await isLearner(share.personalDrive.ownerId) : false;
      const verdict = evaluateSharing(share, pack.sharing, { ownerIsLearner });
      if (!verdict.risky) {
        // The owner's own permission and ordinary sharing inside the college.
        tally.dropped++;
        continue;
      }
      tally.risky++;
      const type: SubjectType = share.sharedBy
        ? (await isLearner(share.sharedBy.id))
          ? 'learner'
          : 'staff'
        : 'unknown';
      const observation = sharingObservation(share, verdict.findings, verdict.externalDomains, { type });
      await queueFor(observation.scope, async () => {
        const outcome = await intake.receive(observation);
        const caseId =
          'caseId' in outcome ? outcome.caseId : await ledger.caseOf(observation.signals[0]?.key ?? '');
        if (caseId === undefined) return;
        tally.cases.add(caseId);
        await state.addPermissions(caseId, [
          { driveId: share.driveId, itemId: share.itemId, permissionId: share.permissionId },
        ]);
      });
    }
  }

  private isLearner(userId: string): Promise<boolean> {
    const { pack, directory } = this.deps;
    const groupId = pack.roles[pack.detection.externalContact.protectedRole]?.groupId;
    return groupId ? directory.isMember(userId, groupId) : Promise.resolve(false);
  }
}
