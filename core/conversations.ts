/**
 * Where the bot can reach people and channels later (proactive messages). References are opaque
 * JSON from the Teams surface; core never looks inside them.
 */
export type ConversationRef = Readonly<Record<string, unknown>>;

/** The channel message that shows a case's card, so it can be updated in place. */
export interface CasePost {
  readonly conversation: ConversationRef;
  readonly activityId: string;
  /** The case version the card shows; behind the case means an update still has to be made. */
  readonly version?: number;
}

export interface ConversationStore {
  saveUser(userId: string, ref: ConversationRef): Promise<void>;
  user(userId: string): Promise<ConversationRef | undefined>;
  /** The channel a route's cases are posted to (`register <route>` or the pack's channel ids). */
  saveRoute(route: string, ref: ConversationRef): Promise<void>;
  route(route: string): Promise<ConversationRef | undefined>;
  saveCasePost(caseId: string, post: CasePost): Promise<void>;
  casePost(caseId: string): Promise<CasePost | undefined>;
}
