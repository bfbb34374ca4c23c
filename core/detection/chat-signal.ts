/**
 * Chat signals: what in a Teams message is a safeguarding concern under the policy pack's
 * detection rules. Pure: the message, its conversation's members and who is protected are facts
 * passed in (resolved from Microsoft Graph by adapters); the rules come from the pack.
 *
 * Three kinds of signal:
 * - `externalContact`: a protected person (a learner) shares a conversation with an outsider —
 *   a guest, a user of another organisation (federated), an anonymous guest or a personal account —
 *   unless the outsider's domain is one the pack trusts;
 * - `phrase`: the message text matches an entry of the pack's safeguarding library;
 * - `dlp`: Microsoft Purview DLP attached a policy violation to the message.
 * Phrases and external contact are only looked for where a protected person is in the
 * conversation; DLP violations always count.
 */
import { createHash } from 'node:crypto';
import type { SubjectPart } from '../cases/case-events';
import type { SignalKind } from '../intake/signal';
import type { PolicyPack, Severity, SubjectType } from '../policy/policy-pack';
import type { Finding, SafeguardingLibrary } from './safeguarding-library';

/** How a participant's identity relates to this organisation. */
export type IdentityKind = 'internal' | 'external' | 'federated' | 'anonymous' | 'personal' | 'unknown';

export interface Participant {
  /** Entra object id, or the id the other identity system gives (anonymous guest id …). */
  readonly id: string;
  readonly displayName?: string;
  readonly identity: IdentityKind;
  readonly email?: string;
}

export type ConversationRefFacts =
  | { readonly kind: 'chat'; readonly chatId: string }
  | { readonly kind: 'channel'; readonly teamId: string; readonly channelId: string };

export interface ChatMessageFacts {
  readonly messageId: string;
  readonly conversation: ConversationRefFacts;
  readonly sender: Participant;
  /** Plain text (HTML already stripped). */
  readonly text: string;
  readonly createdAt: string;
  /** The DLP action Purview took, when it flagged the message. */
  readonly dlpAction?: string;
  readonly link?: string;
  /**
   * A system event that added or removed people (no text of its own): the members are read afresh
   * and checked, so an outsider added to a learner's chat is flagged before they write anything.
   */
  readonly membershipChanged?: boolean;
}

export interface SignalHit {
  readonly kind: SignalKind;
  readonly category: string;
  readonly severity: Severity;
  /**
   * Deterministic per thing observed: a message's phrase hit, a message's DLP flag, or one
   * outsider's presence in one conversation. The same key twice is the same signal.
   */
  readonly key: string;
  /** The outsiders, for external contact. */
  readonly outsiders?: readonly Participant[];
  /** The library entry that matched, and the words, for a phrase. */
  readonly finding?: Finding;
}

export interface ChatAssessment {
  readonly hits: readonly SignalHit[];
  /** Members of the conversation in the protected role. */
  readonly protectedMembers: readonly Participant[];
  /** The sender, classified by everything known of them (the message and the member list). */
  readonly sender: Participant;
  /** Everyone in the conversation, the sender first, each once. */
  readonly everyone: readonly Participant[];
  /** Library findings that note a conversation-level indicator (where a learner is present). */
  readonly indicators: readonly Finding[];
}

/** A stable, non-reversible key for a conversation (ids never appear in keys in the clear). */
export function conversationKey(c: ConversationRefFacts): string {
  const raw = c.kind === 'chat' ? `chat:${c.chatId}` : `channel:${c.teamId}:${c.channelId}`;
  return createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 40);
}

export function assessChatMessage(
  pack: PolicyPack,
  library: Pick<SafeguardingLibrary, 'findings'>,
  message: ChatMessageFacts,
  members: readonly Participant[],
  isProtected: (p: Participant) => boolean,
): ChatAssessment {
  const rules = pack.detection;
  const conv = conversationKey(message.conversation);
  const everyone = mergeById([message.sender, ...members]);
  const sender = everyone[0] ?? message.sender;
  const protectedMembers = everyone.filter((p) => p.identity === 'internal' && isProtected(p));
  const hits: SignalHit[] = [];
  const indicators: Finding[] = [];

  if (protectedMembers.length > 0) {
    const trusted = rules.externalContact.trustedDomains.map((d) => d.toLowerCase());
    const outsiders = everyone.filter(
      (p) =>
        p.identity !== 'internal' &&
        p.identity !== 'unknown' &&
        rules.externalContact.flag.includes(p.identity) &&
        !isTrusted(p, trusted),
    );
    for (const outsider of outsiders) {
      hits.push({
        kind: 'externalContact',
        category: rules.externalContact.category,
        severity: rules.externalContact.severity,
        key: `external:${conv}:${outsider.id}`,
        outsiders: [outsider],
      });
    }
    for (const finding of library.findings(message.text)) {
      if (finding.indicator) indicators.push(finding);
      if (!finding.signal) continue;
      hits.push({
        kind: 'phrase',
        category: finding.category,
        severity: finding.severity,
        key: `phrase:${conv}:${message.messageId}:${finding.entry}`,
        finding,
      });
    }
  }
  if (message.dlpAction !== undefined && message.dlpAction !== 'none') {
    hits.push({
      kind: 'dlp',
      category: rules.dlp.category,
      severity: rules.dlp.severity,
      key: `dlp:${conv}:${message.messageId}`,
    });
  }
  return { hits, protectedMembers, sender, everyone, indicators };
}

/**
 * Who a chat case is about: an insider who sent a flagged message (a learner or a member of
 * staff), otherwise the protected learner the outsider was talking to.
 */
export function chatSubject(
  assessment: ChatAssessment,
  lead: { readonly kind: SignalKind; readonly writerAtRisk?: boolean },
): { subjectType: SubjectType; subjectPart: SubjectPart; subject?: Participant } {
  const { sender, protectedMembers } = assessment;
  const senderProtected = protectedMembers.some((p) => p.id === sender.id);
  if (lead.writerAtRisk && sender.identity === 'internal') {
    // The words say the writer is at risk (suicidal thoughts …): the case is about them, harmed.
    return { subjectType: senderProtected ? 'learner' : 'staff', subjectPart: 'harmed', subject: sender };
  }
  if (lead.kind !== 'externalContact' && lead.kind !== 'pattern' && sender.identity === 'internal') {
    // An insider wrote it: the case is about what they did.
    return { subjectType: senderProtected ? 'learner' : 'staff', subjectPart: 'acted', subject: sender };
  }
  // An outsider wrote, or is present: the case is about the learner they reached, who is at risk.
  const learner = protectedMembers.find((p) => p.id !== sender.id) ?? protectedMembers[0];
  return learner
    ? { subjectType: 'learner', subjectPart: 'harmed', subject: learner }
    : { subjectType: 'unknown', subjectPart: 'unknown' };
}

function isTrusted(p: Participant, trustedDomains: readonly string[]): boolean {
  const domain = p.email?.split('@')[1]?.toLowerCase();
  return domain !== undefined && trustedDomains.includes(domain);
}

/**
 * How far outside the college an identity is. Graph names a guest's message sender an ordinary
 * `aadUser` of our tenant; only the member list says `guest`. So a person is classified by the most
 * outside of what the message and the member list say about them.
 */
const outsideness: Record<IdentityKind, number> = {
  unknown: 0,
  internal: 1,
  external: 2,
  federated: 2,
  personal: 2,
  anonymous: 2,
};

/** Each person once, first appearance kept in order, with the most outside identity seen for them. */
function mergeById(people: readonly Participant[]): Participant[] {
  const seen = new Map<string, Participant>();
  for (const p of people) {
    const known = seen.get(p.id);
    if (!known) seen.set(p.id, p);
    else {
      const identity = outsideness[p.identity] > outsideness[known.identity] ? p.identity : known.identity;
      seen.set(p.id, {
        ...known,
        identity,
        ...(known.displayName === undefined && p.displayName !== undefined && { displayName: p.displayName }),
        ...(known.email === undefined && p.email !== undefined && { email: p.email }),
      });
    }
  }
  return [...seen.values()];
}
