/** In-memory ConversationStore for unit tests; passes the same contract as the Table adapter. */
import type { CardPostRecord, ConversationRef, ConversationStore } from '../../core/conversations';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class MemoryConversationStore implements ConversationStore {
  private readonly refs = new Map<string, ConversationRef>();
  private readonly posts = new Map<string, { record: CardPostRecord; token: string }>();
  private tokens = 0;

  saveUser = (id: string, ref: ConversationRef) => this.set(`user/${id}`, ref);
  user = (id: string) => this.get(`user/${id}`);
  saveRoute = (route: string, ref: ConversationRef) => this.set(`route/${route}`, ref);
  route = (route: string) => this.get(`route/${route}`);

  async cardPost(caseId: string) {
    await tick();
    return structuredClone(this.posts.get(caseId));
  }

  async putCardPost(caseId: string, record: CardPostRecord, token?: string) {
    await tick();
    if (this.posts.get(caseId)?.token !== token) return undefined;
    const next = `t${++this.tokens}`;
    this.posts.set(caseId, { record: structuredClone(record), token: next });
    return next;
  }

  private async set(key: string, ref: ConversationRef) {
    await tick();
    this.refs.set(key, structuredClone(ref));
  }

  private async get(key: string) {
    await tick();
    const v = this.refs.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }
}
