/** In-memory ConversationStore for unit tests; passes the same contract as the Table adapter. */
import type { CasePost, ConversationRef, ConversationStore } from '../../core/conversations';

export class MemoryConversationStore implements ConversationStore {
  private readonly rows = new Map<string, unknown>();
  private set(k: string, v: unknown) {
    this.rows.set(k, structuredClone(v));
    return Promise.resolve();
  }
  private get<T>(k: string): Promise<T | undefined> {
    const v = this.rows.get(k);
    return Promise.resolve(v === undefined ? undefined : (structuredClone(v) as T));
  }
  saveUser = (id: string, ref: ConversationRef) => this.set(`user/${id}`, ref);
  user = (id: string) => this.get<ConversationRef>(`user/${id}`);
  saveRoute = (route: string, ref: ConversationRef) => this.set(`route/${route}`, ref);
  route = (route: string) => this.get<ConversationRef>(`route/${route}`);
  saveCasePost = (caseId: string, post: CasePost) => this.set(`post/${caseId}`, post);
  casePost = (caseId: string) => this.get<CasePost>(`post/${caseId}`);
}
