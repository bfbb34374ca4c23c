/**
 * In-memory DraftStore for unit tests, passing the same contract suite as the Table Storage adapter
 * (test/contract/draft-store.contract.ts): compare-and-swap on a token, insert-if-absent without
 * one. Drafts are deep-copied in and out.
 */
import type { Draft, DraftStore } from '../../core/assessments/assessment-store';

const copy = <T>(v: T): T => structuredClone(v);
/** Yields to the event loop like real I/O, so concurrent callers interleave as they would in production. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class MemoryDraftStore implements DraftStore {
  private readonly drafts = new Map<string, { draft: Draft; token: string }>();
  /** Tokens are never reused, as ETags are not: a draft deleted and started again has a new one. */
  private written = 0;

  async get(userId: string, key: string): Promise<{ draft: Draft; token: string } | undefined> {
    await tick();
    const found = this.drafts.get(slot(userId, key));
    return found && copy(found);
  }

  async put(userId: string, draft: Draft, token?: string): Promise<string | undefined> {
    await tick();
    const at = slot(userId, draft.key);
    if (this.drafts.get(at)?.token !== token) return undefined;
    const next = String(++this.written);
    this.drafts.set(at, { draft: copy(draft), token: next });
    return next;
  }

  async delete(userId: string, key: string): Promise<void> {
    await tick();
    this.drafts.delete(slot(userId, key));
  }

  /** Test helper: how many drafts are kept. */
  get size(): number {
    return this.drafts.size;
  }
}

const slot = (userId: string, key: string) => JSON.stringify([userId, key]);
