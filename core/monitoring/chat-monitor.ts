/**
 * Chat monitoring, the use case: a Teams message (already decrypted and parsed by an adapter)
 * becomes a case, an addition to the conversation's open case, or nothing.
 *
 * Never a second case for one signal: signals already recorded are skipped; the conversation's
 * aggregation window names one case key for every concurrent worker; opening is idempotent on
 * that key; appending refuses a signal key the case already holds.
 */
import type { Directory } from '../auth/authorise';
import type { Actor } from '../cases/case-events';
import type { CaseService } from '../cases/case-service';
import { signalKeyHash } from '../cases/case-events';
import type { CaseState } from '../cases/case-state';
import type { Clock } from '../clock';
import {
  assessChatMessage,
  chatSubject,
  conversationKey,
  leadingHit,
  type ChatMessageFacts,
  type ConversationRefFacts,
  type IdentityKind,
  type Participant,
  type SignalHit,
} from '../detection/chat-signal';
import { PhraseMatcher } from '../detection/phrase-matcher';
import { fail, isErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { PolicyPack } from '../policy/policy-pack';
import { findCategory } from '../policy/routing';
import type { SignalLedger } from './signal-ledger';

/** Members of a chat or channel (Microsoft Graph in production, cached per conversation). */
export interface ConversationMembers {
  members(conversation: ConversationRefFacts): Promise<Participant[]>;
  /** Drops what is known of a conversation's members (they changed). */
  forget(conversation: ConversationRefFacts): void;
}

export interface ChatMonitorDeps {
  readonly pack: PolicyPack;
  readonly cases: Pick<CaseService, 'open' | 'act' | 'get'>;
  readonly ledger: SignalLedger;
  readonly members: ConversationMembers;
  readonly directory: Directory;
  readonly clock: Clock;
  readonly log: Logger;
}

export type ChatOutcome =
  | { readonly outcome: 'noSignal' }
  | { readonly outcome: 'alreadyRecorded' }
  | { readonly outcome: 'opened' | 'appended'; readonly caseId: string; readonly added: number };

/** The automated actor on chat-signal cases and events. */
const chatMonitorActor: Actor = { id: 'system:chat-monitor', name: 'Teams chat monitoring' };

const excerptLength = 200;

const kindText = {
  externalContact: 'external contact',
  phrase: 'a safeguarding phrase',
  dlp: 'a DLP flag',
} as const;

const identityText: Record<IdentityKind, string> = {
  internal: 'a member of the college',
  external: 'a guest from outside the college',
  federated: 'a user from another organisation',
  anonymous: 'an anonymous guest',
  personal: 'a personal (consumer) Microsoft account',
  unknown: 'an unidentified user',
};

export class ChatMonitor {
  private readonly phrases: PhraseMatcher;
  private readonly log: Logger;

  constructor(private readonly deps: ChatMonitorDeps) {
    this.phrases = new PhraseMatcher(deps.pack);
    this.log = deps.log.child({ component: 'chat-monitor' });
  }

  async handle(message: ChatMessageFacts): Promise<ChatOutcome> {
    const { pack, ledger, clock } = this.deps;
    if (message.membershipChanged) this.deps.members.forget(message.conversation);
    const members = await this.deps.members.members(message.conversation);
    const learners = await this.protectedIds([message.sender, ...members]);
    const { hits, protectedMembers } = assessChatMessage(pack, this.phrases, message, members, (p) =>
      learners.has(p.id),
    );
    const conversation = conversationKey(message.conversation);
    const lead = leadingHit(hits);
    if (!lead) {
      this.log.debug({ conversation, event: 'chat.noSignal' }, 'no signal in message');
      return { outcome: 'noSignal' };
    }
    // One look-up for the hits and for the message itself: a message seen before (an edit, a late
    // redelivery) adds to the case it went to, never to a new one.
    const messageKey = `message:${conversation}:${message.messageId}`;
    const already = await ledger.recorded([...hits.map((h) => h.key), messageKey]);
    const fresh = hits.filter((h) => !already.has(h.key));
    if (fresh.length === 0) {
      this.log.info(
        { conversation, hits: hits.length, event: 'chat.alreadyRecorded' },
        'signals already recorded',
      );
      return { outcome: 'alreadyRecorded' };
    }
    const earlier = already.has(messageKey) ? await ledger.caseOf(messageKey) : undefined;
    if (earlier !== undefined) return this.addToEarlierCase(earlier, fresh, message, conversation);
    const first = leadingHit(fresh) ?? lead;
    const windowMs = pack.detection.aggregationWindowMinutes * 60_000;
    let caseKey = await ledger.claimWindow(conversation, first.key, clock.now(), windowMs);
    for (let attempt = 0; attempt < 3; attempt++) {
      const { state, created } = await this.deps.cases.open(
        this.openInput(message, first, fresh, protectedMembers, members, conversation),
        chatMonitorActor,
        caseKey,
      );
      if (state.status === 'closed') {
        // The DSL closed this conversation's case: further signals start a new one.
        caseKey = await ledger.replaceWindow(conversation, caseKey, first.key, clock.now());
        continue;
      }
      const rest = created ? fresh.filter((h) => h !== first) : fresh;
      const added = await this.append(state, rest, message);
      if (added === 'closed') {
        caseKey = await ledger.replaceWindow(conversation, caseKey, first.key, clock.now());
        continue;
      }
      await ledger.record([...fresh.map((h) => h.key), messageKey], state.id);
      const outcome = created ? 'opened' : 'appended';
      this.log.info(
        { caseId: state.id, conversation, hits: fresh.length, added, event: `chat.${outcome}` },
        created ? 'chat signal opened a case' : 'chat signal added to the open case',
      );
      return { outcome, caseId: state.id, added: created ? added + 1 : added };
    }
    // Three closed cases in a row while we worked: the queue retries from the top.
    return fail('CASE_CONFLICT', "The conversation's aggregation window kept changing.", { conversation });
  }

  private async addToEarlierCase(
    caseId: string,
    hits: readonly SignalHit[],
    message: ChatMessageFacts,
    conversation: string,
  ): Promise<ChatOutcome> {
    const state = await this.deps.cases.get(caseId);
    const added = state ? await this.append(state, hits, message) : 'closed';
    if (added === 'closed') {
      // Closed by the DSL: the edit is left out rather than opening a second case for one message.
      this.log.info(
        { caseId, conversation, event: 'chat.editOfClosedCase' },
        'signal from an edit of a closed case',
      );
      return { outcome: 'alreadyRecorded' };
    }
    await this.deps.ledger.record(
      hits.map((h) => h.key),
      caseId,
    );
    this.log.info(
      { caseId, conversation, added, event: 'chat.appended' },
      'edited message added to its case',
    );
    return { outcome: 'appended', caseId, added };
  }

  /** Appends hits the case does not hold yet; 'closed' if the case was closed meanwhile. */
  private async append(
    state: CaseState,
    hits: readonly SignalHit[],
    message: ChatMessageFacts,
  ): Promise<number | 'closed'> {
    let added = 0;
    for (const hit of hits) {
      const signalKey = signalKeyHash(hit.key);
      if (state.signalKeys.includes(signalKey)) continue;
      try {
        await this.deps.cases.act(state.id, chatMonitorActor, {
          kind: 'addSignal',
          signal: { kind: hit.kind, category: hit.category, severity: hit.severity, signalKey },
          summary: this.hitSummary(hit, message),
          ...(hit.kind !== 'externalContact' && { excerpt: excerpt(message.text) }),
          ...(message.link !== undefined && { link: message.link }),
        });
        added++;
      } catch (err) {
        if (isErrorCode(err, 'CASE_TRANSITION_REFUSED')) {
          if (err.details['reason'] === 'duplicateSignal') continue;
          if (err.details['reason'] === 'closed') return 'closed';
        }
        throw err;
      }
    }
    return added;
  }

  private openInput(
    message: ChatMessageFacts,
    lead: SignalHit,
    hits: readonly SignalHit[],
    protectedMembers: readonly Participant[],
    members: readonly Participant[],
    conversation: string,
  ) {
    const { subjectType, subject } = chatSubject(message, lead, protectedMembers);
    const participants = uniqueIds([message.sender, ...members]);
    return {
      source: 'chatSignal' as const,
      subjectType,
      ...(subject !== undefined && { subjectId: subject.id }),
      ...(subject?.displayName !== undefined && { subjectName: subject.displayName }),
      under18: 'unknown' as const,
      category: lead.category,
      severity: lead.severity,
      description: this.describe(message, lead, hits, protectedMembers),
      occurredAt: message.createdAt,
      platform: message.conversation.kind === 'chat' ? 'Microsoft Teams chat' : 'Microsoft Teams channel',
      immediateRisk: false,
      signal: { kind: lead.kind, conversation, participantIds: participants },
      signalKey: lead.key,
      ...(lead.kind !== 'externalContact' && { excerpt: excerpt(message.text) }),
      ...(message.link !== undefined && { link: message.link }),
    };
  }

  /**
   * What the DSL reads first on the card (the card shows 280 characters): what was found, the
   * words themselves, who sent them and to whom.
   */
  private describe(
    message: ChatMessageFacts,
    lead: SignalHit,
    hits: readonly SignalHit[],
    protectedMembers: readonly Participant[],
  ): string {
    const where = message.conversation.kind === 'chat' ? 'a Teams chat' : 'a Teams channel';
    const sender = message.sender.displayName ?? 'someone';
    const learners = names(protectedMembers.filter((p) => p.id !== message.sender.id));
    const lines = [this.hitSummary(lead, message)];
    if (lead.kind !== 'externalContact') lines.push(`"${excerpt(message.text)}"`);
    const by = message.membershipChanged ? 'People were added or removed' : 'Sent';
    const who =
      message.sender.identity === 'unknown' ? '' : ` by ${sender} (${identityText[message.sender.identity]})`;
    lines.push(`${by}${who} in ${where}${learners ? ` with ${learners}` : ''}.`);
    const others = hits.filter((h) => h !== lead).map((h) => kindText[h.kind]);
    if (others.length > 0) lines.push(`Also in this message: ${[...new Set(others)].join(', ')}.`);
    return lines.join(' ');
  }

  private hitSummary(hit: SignalHit, message: ChatMessageFacts): string {
    const category = findCategory(this.deps.pack, hit.category)?.name ?? hit.category;
    switch (hit.kind) {
      case 'externalContact': {
        const who = hit.outsiders?.[0];
        return `External contact: a learner is in a conversation with ${identityText[who?.identity ?? 'unknown']}${who?.displayName ? ` (${who.displayName})` : ''}.`;
      }
      case 'phrase':
        return `Safeguarding phrase (${category}) from ${message.sender.displayName ?? 'someone'}.`;
      case 'dlp':
        return `Microsoft Purview DLP flagged a message (${message.dlpAction ?? 'policy violation'}).`;
    }
  }

  /** Which internal participants are in the pack's protected role (learners). */
  private async protectedIds(people: readonly Participant[]): Promise<Set<string>> {
    const role = this.deps.pack.detection.externalContact.protectedRole;
    const groupId = this.deps.pack.roles[role]?.groupId;
    const internal = uniqueIds(people.filter((p) => p.identity === 'internal'));
    if (!groupId) return new Set();
    const checks = await Promise.all(
      internal.map(async (id) => ((await this.deps.directory.isMember(id, groupId)) ? id : undefined)),
    );
    return new Set(checks.filter((id): id is string => id !== undefined));
  }
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= excerptLength ? flat : `${flat.slice(0, excerptLength - 1)}…`;
}

function names(people: readonly Participant[]): string {
  return people.map((p) => p.displayName ?? 'unnamed').join(', ');
}

function uniqueIds(people: readonly Participant[]): string[] {
  return [...new Set(people.map((p) => p.id))];
}
