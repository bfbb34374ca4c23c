/**
 * ConversationStore on Table Storage: one table, partitioned by kind (`user`, `route`, `post`).
 * References hold Teams ids and service URLs, not message content.
 */
import { TableClient } from '@azure/data-tables';
import type { CasePost, ConversationRef, ConversationStore } from '../core/conversations';
import { statusOf, storageFailure, tablesOnce } from './table-errors';

export class TableConversationStore implements ConversationStore {
  private readonly table: TableClient;
  private readonly ensureTable: () => Promise<void>;

  constructor(options: { readonly connectionString: string; readonly tablePrefix: string }) {
    this.table = TableClient.fromConnectionString(
      options.connectionString,
      `${options.tablePrefix}conversations`,
      {
        allowInsecureConnection: true,
      },
    );
    this.ensureTable = tablesOnce([this.table]);
  }

  saveUser(userId: string, ref: ConversationRef) {
    return this.put('user', userId, { ref: JSON.stringify(ref) });
  }
  async user(userId: string) {
    return parse<ConversationRef>((await this.get('user', userId))?.['ref']);
  }
  saveRoute(route: string, ref: ConversationRef) {
    return this.put('route', route, { ref: JSON.stringify(ref) });
  }
  async route(route: string) {
    return parse<ConversationRef>((await this.get('route', route))?.['ref']);
  }
  saveCasePost(caseId: string, post: CasePost) {
    return this.put('post', caseId, {
      ref: JSON.stringify(post.conversation),
      activityId: post.activityId,
      ...(post.version !== undefined && { version: String(post.version) }),
    });
  }
  async casePost(caseId: string): Promise<CasePost | undefined> {
    const row = await this.get('post', caseId);
    const conversation = parse<ConversationRef>(row?.['ref']);
    const activityId = row?.['activityId'];
    const version = typeof row?.['version'] === 'string' ? Number(row['version']) : undefined;
    return conversation && typeof activityId === 'string'
      ? { conversation, activityId, ...(version !== undefined && { version }) }
      : undefined;
  }

  private async put(kind: string, key: string, values: Record<string, string>): Promise<void> {
    await this.ensureTable();
    await this.table
      .upsertEntity({ partitionKey: kind, rowKey: key, ...values }, 'Replace')
      .catch((err: unknown) => storageFailure(err, `save ${kind}`));
  }

  private async get(kind: string, key: string): Promise<Record<string, unknown> | undefined> {
    await this.ensureTable();
    try {
      return await this.table.getEntity(kind, key);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      return storageFailure(err, `read ${kind}`);
    }
  }
}

function parse<T>(value: unknown): T | undefined {
  return typeof value === 'string' ? (JSON.parse(value) as T) : undefined;
}
