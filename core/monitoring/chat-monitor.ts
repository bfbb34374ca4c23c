/**
 * Chat monitoring, the use case: a Teams message (already verified, decrypted and parsed by an
 * adapter) is checked against the pack's detection rules; what it finds is handed to the signal
 * intake as one observation, which opens a case, joins one or recognises a repeat. This file only
 * detects and describes: which case a signal goes to is decided in core/intake.
 */
import type { Directory } from '../auth/authorise';
import type { Actor } from '../cases/case-events';
import type { OpenCaseInput } from '../cases/case-service';
import {
  assessChatMessage,
  chatSubject,
  conversationKey,
  type ChatAssessment,
  type ChatMessageFacts,
  type ConversationRefFacts,
  type IdentityKind,
  type Participant,
  type SignalHit,
} from '../detection/chat-signal';
import { indicatorWindowMs, reachedRules } from '../detection/conversation-rules';
import { SafeguardingLibrary } from '../detection/safeguarding-library';
import type { ClassifierCategory, ClassifierVerdict, TextClassifier } from '../detection/text-classifier';
import { toEsafetyError } from '../errors';
import type { Signal } from '../intake/signal';
import type { SignalLedger } from '../intake/signal-ledger';
import type { Clock } from '../clock';
import type { IntakeOutcome, SignalIntake } from '../intake/signal-intake';
import type { Logger } from '../logger';
import type { PolicyPack, Severity } from '../policy/policy-pack';
import { findCategory } from '../policy/routing';

/** Members of a chat or channel (Microsoft Graph in production, cached per conversation). */
export interface ConversationMembers {
  members(conversation: ConversationRefFacts): Promise<Participant[]>;
  /** Drops what is known of a conversation's members (they changed). */
  forget(conversation: ConversationRefFacts): void;
}

export interface ChatMonitorDeps {
  readonly pack: PolicyPack;
  readonly intake: Pick<SignalIntake, 'receive'>;
  readonly members: ConversationMembers;
  readonly directory: Directory;
  /**
   * The optional machine-learning layer (Azure AI Content Safety when configured): asked about a
   * message only where a learner is in the conversation; its verdicts join the library's.
   */
  readonly classifier?: TextClassifier;
  /** Remembers conversation-level indicators per chat (ids and times only). */
  readonly indicators: Pick<SignalLedger, 'noteIndicators'>;
  readonly clock: Clock;
  readonly log: Logger;
}

/** The automated actor on chat-signal cases and events. */
const chatMonitorActor: Actor = { id: 'system:chat-monitor', name: 'Teams chat monitoring' };

const excerptLength = 200;

const kindText: Record<Signal['kind'], string> = {
  externalContact: 'external contact',
  phrase: 'a safeguarding phrase',
  dlp: 'a DLP flag',
  pattern: 'a conversation pattern',
  classifier: 'a machine-learning rating',
  sharing: 'risky sharing',
};

const harmText: Record<ClassifierCategory, string> = {
  hate: 'hate',
  sexual: 'sexual content',
  violence: 'violence',
  selfHarm: 'self-harm',
};

const identityText: Record<IdentityKind, string> = {
  internal: 'a member of the college',
  external: 'a guest from outside the college',
  federated: 'a user from another organisation',
  anonymous: 'an anonymous guest',
  personal: 'a personal (consumer) Microsoft account',
  unknown: 'an unidentified user',
};

export class ChatMonitor {
  private readonly library: SafeguardingLibrary;
  private readonly log: Logger;

  constructor(private readonly deps: ChatMonitorDeps) {
    this.library = new SafeguardingLibrary(deps.pack);
    this.log = deps.log.child({ component: 'chat-monitor' });
  }

  async handle(message: ChatMessageFacts): Promise<IntakeOutcome> {
    const { pack } = this.deps;
    if (message.membershipChanged) this.deps.members.forget(message.conversation);
    const members = await this.deps.members.members(message.conversation);
    const learners = await this.protectedIds([message.sender, ...members]);
    const assessment = assessChatMessage(pack, this.library, message, members, (p) => learners.has(p.id));
    const scope = conversationKey(message.conversation);
    const patterns = await this.conversationPatterns(scope, assessment);
    const ratings = await this.classifierRatings(scope, message, assessment);
    const hits = [...assessment.hits, ...patterns, ...ratings];
    if (hits.length === 0) {
      this.log.debug({ conversation: scope, event: 'chat.noSignal' }, 'no signal in message');
      return { outcome: 'noSignal' };
    }
    const signals = hits.map((hit) => this.signal(hit, message, assessment));
    const hitOf = new Map(signals.map((s, i) => [s.key, hits[i]]));
    return this.deps.intake.receive({
      actor: chatMonitorActor,
      scope,
      origin: message.messageId,
      signals,
      opening: (lead, fresh) =>
        this.openingFor(message, assessment, hitOf.get(lead.key) ?? lead, lead, fresh, scope),
    });
  }

  /**
   * Conversation-level risks: the indicators this message shows are noted for its chat (ids and
   * times only), and each of the pack's conversation rules whose threshold the chat's indicators
   * now reach becomes a signal — once per run of indicators, however many messages follow.
   */
  private async conversationPatterns(scope: string, assessment: ChatAssessment): Promise<PatternHit[]> {
    const rules = this.deps.pack.detection.conversation;
    if (rules.length === 0 || assessment.indicators.length === 0) return [];
    const now = this.deps.clock.now();
    const seen = [...new Set(assessment.indicators.map((f) => f.indicator ?? ''))];
    const runs = await this.deps.indicators.noteIndicators(scope, seen, now, indicatorWindowMs(rules));
    return reachedRules(rules, runs, now).map(({ rule, present, started }) => ({
      kind: 'pattern',
      category: this.deps.pack.detection.categoryMap[rule.category] ?? rule.category,
      severity: rule.severity,
      key: `pattern:${scope}:${rule.id}:${started}`,
      rule: { id: rule.id, why: rule.why, indicators: present, windowHours: rule.windowHours },
    }));
  }

  /**
   * The machine-learning layer's verdicts on the message, as signals where the pack says they
   * count. Only for a conversation with a learner in it; if the service does not answer, the
   * library's own findings still stand and the message is not held back.
   */
  private async classifierRatings(
    scope: string,
    message: ChatMessageFacts,
    assessment: ChatAssessment,
  ): Promise<RatingHit[]> {
    const { classifier, pack } = this.deps;
    if (!classifier || assessment.protectedMembers.length === 0 || !message.text.trim()) return [];
    let verdicts: ClassifierVerdict[];
    try {
      verdicts = await classifier.classify(message.text);
    } catch (err) {
      this.log.warn(
        { conversation: scope, code: toEsafetyError(err).code, event: 'chat.classifierUnavailable' },
        'content classifier did not answer: the library alone decided',
      );
      return [];
    }
    const { classifier: rules, categoryMap } = pack.detection;
    return verdicts.flatMap((v): RatingHit[] => {
      const rule = rules[v.category];
      if (!rule || v.severity < rule.from) return [];
      return [
        {
          kind: 'classifier',
          category: categoryMap[rule.category] ?? rule.category,
          severity: rule.severity,
          key: `classifier:${scope}:${message.messageId}:${v.category}`,
          rating: { harm: v.category, level: v.severity },
        },
      ];
    });
  }

  private signal(hit: Hit, message: ChatMessageFacts, assessment: ChatAssessment): Signal {
    const entry =
      'rule' in hit ? hit.rule.id : 'rating' in hit ? `classifier-${hit.rating.harm}` : hit.finding?.entry;
    return {
      kind: hit.kind,
      category: hit.category,
      severity: hit.severity,
      key: hit.key,
      ...(entry !== undefined && { entry }),
      summary: this.hitSummary(hit, message, assessment.sender),
      ...((hit.kind === 'phrase' || hit.kind === 'dlp' || hit.kind === 'classifier') && {
        excerpt: excerpt(message.text),
      }),
      ...(message.link !== undefined && { link: message.link }),
    };
  }

  private openingFor(
    message: ChatMessageFacts,
    assessment: ChatAssessment,
    leadHit: Hit,
    lead: Signal,
    fresh: readonly Signal[],
    conversation: string,
  ): OpenCaseInput {
    const { subjectType, subjectPart, subject } = chatSubject(assessment, {
      kind: leadHit.kind,
      writerAtRisk:
        ('finding' in leadHit && leadHit.finding?.atRisk === true) ||
        ('rating' in leadHit && leadHit.rating.harm === 'selfHarm'),
    });
    return {
      source: 'chatSignal',
      subjectType,
      subjectPart,
      ...(subject !== undefined && { subjectId: subject.id }),
      ...(subject?.displayName !== undefined && { subjectName: subject.displayName }),
      under18: 'unknown',
      category: lead.category,
      severity: lead.severity,
      description: this.describe(message, assessment, lead, fresh),
      occurredAt: message.createdAt,
      platform: message.conversation.kind === 'chat' ? 'Microsoft Teams chat' : 'Microsoft Teams channel',
      immediateRisk: false,
      signal: {
        kind: lead.kind,
        ...(lead.entry !== undefined && { entry: lead.entry }),
        conversation,
        participantIds: assessment.everyone.map((p) => p.id),
      },
      ...(lead.excerpt !== undefined && { excerpt: lead.excerpt }),
      ...(lead.link !== undefined && { link: lead.link }),
    };
  }

  /**
   * What the DSL reads first on the card (the card shows 280 characters): what was found, the
   * words themselves, who sent them and to whom.
   */
  private describe(
    message: ChatMessageFacts,
    assessment: ChatAssessment,
    lead: Signal,
    fresh: readonly Signal[],
  ): string {
    const { sender, protectedMembers } = assessment;
    const where = message.conversation.kind === 'chat' ? 'a Teams chat' : 'a Teams channel';
    const learners = names(protectedMembers.filter((p) => p.id !== sender.id));
    const lines = [lead.summary];
    if (lead.excerpt !== undefined) lines.push(`"${lead.excerpt}"`);
    const by = message.membershipChanged ? 'People were added or removed' : 'Sent';
    const who =
      sender.identity === 'unknown'
        ? ''
        : ` by ${sender.displayName ?? 'someone'} (${identityText[sender.identity]})`;
    lines.push(`${by}${who} in ${where}${learners ? ` with ${learners}` : ''}.`);
    const others = fresh.filter((s) => s !== lead).map((s) => kindText[s.kind]);
    if (others.length > 0) lines.push(`Also in this message: ${[...new Set(others)].join(', ')}.`);
    return lines.join(' ');
  }

  /** What was found and why it matters, in words a DSL reads on the card. */
  private hitSummary(hit: Hit, message: ChatMessageFacts, sender: Participant): string {
    const category = findCategory(this.deps.pack, hit.category)?.name ?? hit.category;
    if ('rating' in hit) {
      return `Machine-learning rating (${category}): Azure AI Content Safety rated this message ${harmText[hit.rating.harm]} ${hit.rating.level} of 7, at or above the level the policy asks a DSL to see.`;
    }
    if ('rule' in hit) {
      const { indicators, windowHours, why } = hit.rule;
      return `Conversation pattern (${category}): ${indicators.map(indicatorText).join(', ')} in this chat within ${windowHours} hours. ${why}`;
    }
    switch (hit.kind) {
      case 'externalContact': {
        const who = hit.outsiders?.[0];
        return `External contact: a learner is in a conversation with ${identityText[who?.identity ?? 'unknown']}${who?.displayName ? ` (${who.displayName})` : ''}.`;
      }
      case 'phrase': {
        const f = hit.finding;
        const from = sender.displayName ?? 'someone';
        if (f?.modelRisk !== undefined)
          return `Statistical model (${category}) on a message from ${from}: ${f.why} The words that weighed most: "${f.words}" (${Math.round(f.modelRisk * 100)} % sure; no library phrase matched).`;
        const found = f ? `: "${f.words}". ${f.why}` : '.';
        return `Safeguarding phrase (${category}) from ${from}${found}`;
      }
      case 'pattern':
        return `Conversation pattern (${category}).`;
      case 'classifier':
        return `Machine-learning rating (${category}).`;
      case 'dlp':
        return `Microsoft Purview DLP flagged a message (${message.dlpAction ?? 'policy violation'}).`;
      case 'sharing': // raised by the sharing monitor, never by a chat message
        return `Risky sharing (${category}).`;
    }
  }

  /** Which internal participants are in the pack's protected role (learners). */
  private async protectedIds(people: readonly Participant[]): Promise<Set<string>> {
    const role = this.deps.pack.detection.externalContact.protectedRole;
    const groupId = this.deps.pack.roles[role]?.groupId;
    const internal = [...new Set(people.filter((p) => p.identity === 'internal').map((p) => p.id))];
    if (!groupId) return new Set();
    const checks = await Promise.all(
      internal.map(async (id) => ((await this.deps.directory.isMember(id, groupId)) ? id : undefined)),
    );
    return new Set(checks.filter((id): id is string => id !== undefined));
  }
}

/** A conversation-level risk raised by the pack's rule, with what it saw. */
interface PatternHit {
  readonly kind: 'pattern';
  readonly category: string;
  readonly severity: Severity;
  readonly key: string;
  readonly rule: {
    readonly id: string;
    readonly why: string;
    readonly indicators: readonly string[];
    readonly windowHours: number;
  };
}

/** A machine-learning rating the pack counts. */
interface RatingHit {
  readonly kind: 'classifier';
  readonly category: string;
  readonly severity: Severity;
  readonly key: string;
  readonly rating: { readonly harm: ClassifierCategory; readonly level: number };
}

type Hit = SignalHit | PatternHit | RatingHit;

/** `movePlatform` → "move platform". */
function indicatorText(indicator: string): string {
  return indicator
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/-/g, ' ')
    .toLowerCase();
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= excerptLength ? flat : `${flat.slice(0, excerptLength - 1)}…`;
}

function names(people: readonly Participant[]): string {
  return people.map((p) => p.displayName ?? 'unnamed').join(', ');
}
