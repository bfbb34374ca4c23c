/**
 * The poison queues (`<queue>-poison`, where the Functions host moves a message after its last
 * try): what is waiting there, and replaying it onto its queue once the dependency that failed
 * answers again. Processing is idempotent (the intake and the outbox recognise work already done),
 * so a replay can only finish what was left. A message this app cannot read (malformed: no retry
 * can fix it) is never replayed, and one replayed `maxReplays` times stays for an operator.
 */
import type { QueueClient } from '@azure/storage-queue';
import type { z } from 'zod';
import type { StorageClients } from './storage-clients';

/** Replays of one message before it is left for an operator. */
export const maxReplays = 3;

export interface PoisonedQueue {
  /** The work queue (its poison queue is `<name>-poison`). */
  readonly queue: string;
  /** What a message on it must be (the trigger's schema): anything else is never replayed. */
  readonly schema: z.ZodType;
  /**
   * Whether what its messages need answers again (Graph, for notifications): until it does, its
   * poison queue is left alone rather than replayed into the same failure.
   */
  readonly answering?: () => Promise<boolean>;
}

export interface PoisonState {
  readonly queue: string;
  readonly waiting: number;
  /** When the oldest message waiting was poisoned. */
  readonly oldest?: string;
}

export interface ReplayReport {
  readonly queue: string;
  readonly replayed: number;
  /** Malformed, or replayed too often already: left in the poison queue. */
  readonly kept: number;
  /** Not replayed this time: what its messages need is still not answering. */
  readonly waitingForDependency?: true;
}

const decode = (text: string): unknown => {
  try {
    return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
};

export async function poisonState(clients: StorageClients, queues: readonly PoisonedQueue[]) {
  const states: PoisonState[] = [];
  for (const { queue } of queues) {
    const poison = clients.queue(`${queue}-poison`);
    if (!(await poison.exists())) {
      states.push({ queue, waiting: 0 });
      continue;
    }
    const { approximateMessagesCount = 0 } = await poison.getProperties();
    const [first] = (await poison.peekMessages({ numberOfMessages: 1 })).peekedMessageItems;
    states.push({
      queue,
      waiting: approximateMessagesCount,
      ...(first && { oldest: first.insertedOn.toISOString() }),
    });
  }
  return states;
}

/** Moves every replayable message of each poison queue back onto its queue. */
export async function replayPoison(
  clients: StorageClients,
  queues: readonly PoisonedQueue[],
): Promise<ReplayReport[]> {
  const reports: ReplayReport[] = [];
  for (const { queue, schema, answering } of queues) {
    const poison = clients.queue(`${queue}-poison`);
    if (!(await poison.exists())) {
      reports.push({ queue, replayed: 0, kept: 0 });
      continue;
    }
    if (answering && !(await answering().catch(() => false))) {
      reports.push({ queue, replayed: 0, kept: 0, waitingForDependency: true });
      continue;
    }
    reports.push({ queue, ...(await drain(poison, clients.queue(queue), schema)) });
  }
  return reports;
}

async function drain(poison: QueueClient, target: QueueClient, schema: z.ZodType) {
  let replayed = 0;
  let kept = 0;
  const seen = new Set<string>();
  await target.createIfNotExists();
  for (;;) {
    // Kept messages stay invisible for the rest of the run, so each is looked at once.
    const { receivedMessageItems: items } = await poison.receiveMessages({
      numberOfMessages: 32,
      visibilityTimeout: 300,
    });
    const fresh = items.filter((m) => !seen.has(m.messageId));
    if (fresh.length === 0) return { replayed, kept };
    for (const m of fresh) {
      seen.add(m.messageId);
      const raw = decode(m.messageText);
      const replays =
        raw && typeof raw === 'object' && typeof (raw as { replays?: unknown }).replays === 'number'
          ? (raw as { replays: number }).replays
          : 0;
      if (!schema.safeParse(raw).success || replays >= maxReplays) {
        kept++;
        continue;
      }
      const again = { ...(raw as Record<string, unknown>), replays: replays + 1, patience: 0 };
      // Stored on its queue before it leaves the poison queue: a crash between repeats, never loses.
      await target.sendMessage(Buffer.from(JSON.stringify(again), 'utf8').toString('base64'));
      await poison.deleteMessage(m.messageId, m.popReceipt);
      replayed++;
    }
  }
}
