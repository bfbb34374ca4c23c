/**
 * Where the bot can reach people and channels later (proactive messages), and where each case's
 * card is. References are opaque JSON from the Teams surface; core never looks inside them (the
 * Teams sender in bot/ parses them with a schema when it reads them).
 */
export type ConversationRef = Readonly<Record<string, unknown>>;

/** The message that shows a card (a case's, an assessment's, a quiz's), so it can be updated in place. */
export interface CardPost {
  readonly conversation: ConversationRef;
  readonly activityId: string;
  /**
   * The same card in other clients that show the same conversation but keep their own copy of it:
   * locally, each Agents Playground is its own Bot Connector (Teams itself needs none).
   */
  readonly copies?: readonly { readonly conversation: ConversationRef; readonly activityId: string }[];
}

/**
 * A case's card record: where the card is and which version of the case it shows, and — while a
 * worker is posting or updating it — that worker's lease. One record per card; it is only ever
 * written by compare-and-swap, so there is never a second card (core/outbox/cards.ts).
 */
export interface CardPostRecord {
  /** Absent until Teams has accepted the first post. */
  readonly post?: CardPost;
  /** The case version the card shows (0: nothing posted yet). */
  readonly version: number;
  /** A worker is posting or updating the card until `until` (ISO time). */
  readonly lease?: { readonly holder: string; readonly until: string };
}

export interface ConversationStore {
  saveUser(userId: string, ref: ConversationRef): Promise<void>;
  user(userId: string): Promise<ConversationRef | undefined>;
  /** The channel a route's cases are posted to (`register <route>` or the pack's channel ids). */
  saveRoute(route: string, ref: ConversationRef): Promise<void>;
  route(route: string): Promise<ConversationRef | undefined>;
  /** A card's record (keyed by what it shows: a case, assessment or quiz id) and its concurrency token. */
  cardPost(cardId: string): Promise<{ record: CardPostRecord; token: string } | undefined>;
  /**
   * Writes the card record only if it is still the one `token` names (without a token: only if the
   * card has no record yet). Returns the new token, or undefined when someone else wrote first.
   */
  putCardPost(cardId: string, record: CardPostRecord, token?: string): Promise<string | undefined>;
}
