/**
 * The Teams surface. Each route parses its input, calls one core use case and answers with a card
 * from cards/. The actor is always `from.aadObjectId` of the activity; a case id in card data is
 * only ever looked up. Refusals are answered with a card and logged with ids, never text.
 *
 * Universal Actions (`adaptiveCard/action`):
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards
 */
import {
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type MessagingExtensionAction,
  type MessagingExtensionActionResponse,
} from 'botbuilder';
import { convert } from 'html-to-text';
import { z } from 'zod';
import {
  caseCard,
  helpCard,
  messageCard,
  receiptCard,
  reportFormCard,
  type AdaptiveCard,
  type CaseCardOptions,
} from '../cards/render';
import { verbs, type Verb } from '../cards/verbs';
import { assertMayActOnRoute, mayActOnRoute, routesFor, type Directory } from '../core/auth/authorise';
import type { Actor } from '../core/cases/case-events';
import { closeOutcomes } from '../core/cases/case-events';
import type { CaseService } from '../core/cases/case-service';
import type { CaseCommand, CaseState } from '../core/cases/case-state';
import type { Clock } from '../core/clock';
import { EsafetyError, fail, toEsafetyError } from '../core/errors';
import type { Logger } from '../core/logger';
import { severities, type PolicyPack } from '../core/policy/policy-pack';
import { parseReport } from '../core/reports/report-form';
import type { ConversationStore } from '../core/conversations';
import type { Outbox } from '../core/outbox/outbox';
import { sweepCasePosts } from '../core/outbox/sweep';

export interface BotDeps {
  readonly cases: CaseService;
  readonly pack: PolicyPack;
  readonly directory: Directory;
  readonly conversations: ConversationStore;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly log: Logger;
}

const cardType = 'application/vnd.microsoft.card.adaptive';
const reportMessageCommand = 'reportMessage';

const caseIdSchema = z.object({ caseId: z.string().regex(/^[a-z0-9-]{1,64}$/i, 'not a case id') });
const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((s) => (s ? s : undefined));

type CaseVerb = Exclude<Verb, 'incident.submit' | 'case.refresh'>;

/**
 * Each case verb: how its card data (inputs arrive merged into `data`) becomes a command, and what
 * the person is told when the data does not parse.
 */
const caseActions: Record<CaseVerb, { parse: (d: Record<string, unknown>) => CaseCommand; problem: string }> =
  {
    [verbs.caseClaim]: { parse: () => ({ kind: 'claim' }), problem: 'Check the form and try again.' },
    [verbs.caseSeverity]: {
      parse: (d) => ({ kind: 'setSeverity', severity: z.enum(severities).parse(d['severity']) }),
      problem: 'Choose a risk level.',
    },
    [verbs.caseNote]: {
      parse: (d) => ({ kind: 'addNote', note: text(4000).parse(d['note']) }),
      problem: 'Write the note before saving it.',
    },
    [verbs.caseRefer]: {
      parse: (d) => {
        const reference = optionalText(200).parse(d['reference']);
        return {
          kind: 'refer',
          agency: text(64).parse(d['agency']),
          ...(reference !== undefined && { reference }),
        };
      },
      problem: 'Choose the agency you referred to.',
    },
    [verbs.caseParentInformed]: {
      parse: (d) => ({ kind: 'recordParentInformed', note: text(2000).parse(d['parentNote'] ?? d['note']) }),
      problem: 'Write who you spoke to and what was said.',
    },
    [verbs.caseSanction]: {
      parse: (d) => ({ kind: 'recordSanction', sanction: text(64).parse(d['sanction']) }),
      problem: 'Choose a sanction from the list.',
    },
    [verbs.caseClose]: {
      parse: (d) => {
        const note = optionalText(2000).parse(d['closeNote'] ?? d['note']);
        return {
          kind: 'close',
          outcome: z.enum(closeOutcomes).parse(d['outcome']),
          ...(note !== undefined && { note }),
        };
      },
      problem: 'Choose an outcome before closing.',
    },
    [verbs.caseReopen]: {
      parse: (d) => {
        const note = optionalText(2000).parse(d['note']);
        return { kind: 'reopen', ...(note !== undefined && { note }) };
      },
      problem: 'Check the form and try again.',
    },
  };

export class EsafetyBot extends TeamsActivityHandler {
  private readonly log: Logger;

  constructor(private readonly deps: BotDeps) {
    super();
    this.log = deps.log.child({ component: 'bot' });

    this.onMessage(async (context, next) => {
      await this.rememberUser(context);
      await this.handleText(context);
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.rememberUser(context);
      await context.sendActivity(
        MessageFactory.attachment(CardFactory.adaptiveCard(helpCard(this.deps.pack))),
      );
      await next();
    });
  }

  private async handleText(context: TurnContext): Promise<void> {
    // The @mention of the bot is removed (and any other <at> tag a client leaves in the text).
    const command = (TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '')
      .replace(/<at>[^<]*<\/at>/gi, ' ')
      .trim()
      .replace(/\s+/g, ' ')
      .toLowerCase();
    const personal = context.activity.conversation.conversationType === 'personal';
    const send = (card: AdaptiveCard) =>
      context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
    if (command === 'report' && personal) return void (await send(reportFormCard(this.deps.pack)));
    if (command === 'report') {
      return void (await send(
        messageCard('Report in a private chat', [
          'Concerns are private: open a chat with me and type **report**.',
        ]),
      ));
    }
    if (command === 'cases') return void (await send(await this.casesCard(context)));
    const register = /^register\s+(\S+)$/.exec(command);
    if (register) return void (await send(await this.registerChannel(context, register[1] ?? '')));
    await send(helpCard(this.deps.pack));
  }

  /**
   * `register <route>` typed in a channel by a member of that route's role makes the channel the
   * home of the route's case cards; every active case not yet posted is then posted.
   */
  private async registerChannel(context: TurnContext, routeName: string): Promise<AdaptiveCard> {
    const { pack, directory, conversations } = this.deps;
    const actor = actorOf(context);
    const channelData = (context.activity.channelData ?? {}) as { channel?: { id?: string } };
    const channelId = channelData.channel?.id;
    const route = Object.keys(pack.routes).find((r) => r.toLowerCase() === routeName);
    const conversationType = context.activity.conversation.conversationType;
    if (!channelId && conversationType !== 'groupChat') {
      return messageCard('Use this in a channel', [
        'Type **register <route>** in the channel (or group chat) that should receive those cases.',
      ]);
    }
    if (!route) {
      return messageCard(
        'Unknown route',
        [`Routes in this policy: ${Object.keys(pack.routes).join(', ')}.`],
        { tone: 'attention' },
      );
    }
    if (!actor || !(await mayActOnRoute(directory, pack, route, actor.id))) {
      this.log.warn({ event: 'register.refused', route, actorId: actor?.id }, 'channel registration refused');
      return messageCard(
        'Not allowed',
        [`Only members of ${pack.routes[route]?.displayName ?? route} can register its channel.`],
        { tone: 'attention' },
      );
    }
    const reference = TurnContext.getConversationReference(context.activity);
    await conversations.saveRoute(
      route,
      channelId
        ? {
            reference: { ...reference, conversation: { ...reference.conversation, id: channelId } },
            channelId,
          }
        : { reference },
    );
    const waiting = await sweepCasePosts(this.deps, { route });
    this.log.info(
      { event: 'register.done', route, actorId: actor.id, waiting },
      'channel registered for route',
    );
    return messageCard(`This channel now receives ${pack.routes[route]?.displayName ?? route} cases`, [
      waiting > 0
        ? `Posting ${waiting} open ${waiting === 1 ? 'case' : 'cases'} now.`
        : 'New cases will appear here as cards.',
    ]);
  }

  private async casesCard(context: TurnContext): Promise<AdaptiveCard> {
    const actor = actorOf(context);
    const routes = actor ? await routesFor(this.deps.directory, this.deps.pack, actor.id) : [];
    if (!actor || routes.length === 0) {
      this.log.warn({ event: 'cases.refused', actorId: actor?.id }, 'case list refused');
      return messageCard('Not available', ['Only the safeguarding team can list cases.'], {
        tone: 'attention',
      });
    }
    const open = (await this.deps.cases.list({ status: 'active' })).filter((c) => routes.includes(c.route));
    return messageCard(
      `${open.length} open ${open.length === 1 ? 'case' : 'cases'}`,
      open.length === 0
        ? ['Nothing open on your routes.']
        : open.map(
            (c) =>
              `**${c.reference}** · ${c.severity} · ${c.category} · ${c.status === 'open' ? 'not claimed' : 'in progress'}`,
          ),
    );
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invoke: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const respond = (card: AdaptiveCard): AdaptiveCardInvokeResponse => ({
      statusCode: 200,
      type: cardType,
      value: card,
    });
    const verb = invoke.action?.verb;
    const data = invoke.action?.data ?? {};
    const actor = actorOf(context);
    const log = this.log.child({
      verb: typeof verb === 'string' ? verb.slice(0, 40) : 'none',
      actorId: actor?.id,
      activityId: context.activity.id,
    });
    try {
      if (!actor) fail('NOT_AUTHORISED', 'Your Teams account could not be identified.');
      if (verb === verbs.incidentSubmit)
        return respond(await this.submitReport(context, actor, data, 'execute'));
      if (verb === verbs.caseRefresh) return respond(await this.currentCard(actor, data));
      if (typeof verb === 'string' && verb in caseActions) {
        return respond(await this.actOnCase(actor, verb as CaseVerb, data, log));
      }
      log.warn({ event: 'card.unknownVerb' }, 'unknown card verb');
      return respond(
        messageCard('That action is not recognised', ['Refresh the card and try again.'], {
          tone: 'attention',
        }),
      );
    } catch (err) {
      return respond(this.errorCard(err, log, context.activity.id ?? ''));
    }
  }

  private async submitReport(
    context: TurnContext,
    actor: Actor,
    data: Record<string, unknown>,
    mode: 'execute' | 'submit',
  ): Promise<AdaptiveCard> {
    const { pack, clock, cases } = this.deps;
    const parsed = parseReport(data, pack, clock);
    if (!parsed.ok) {
      this.log.info(
        { event: 'report.invalid', actorId: actor.id, fields: Object.keys(parsed.errors).join(',') },
        'report returned for correction',
      );
      return reportFormCard(pack, { values: parsed.values, errors: parsed.errors, mode });
    }
    const { state } = await cases.open(
      parsed.input,
      actor,
      `report:${context.activity.id ?? `${actor.id}:${clock.now().toISOString()}`}`,
    );
    return receiptCard(state, pack);
  }

  /** The case a card names, looked up (never trusted) and only for someone who may act on it. */
  private async authorisedCase(actor: Actor, data: Record<string, unknown>): Promise<CaseState> {
    const { caseId } = parseInput(caseIdSchema, data, 'That card does not name a case.');
    const state =
      (await this.deps.cases.get(caseId)) ?? fail('CASE_NOT_FOUND', 'That case does not exist.', { caseId });
    await assertMayActOnRoute(this.deps.directory, this.deps.pack, state.route, actor.id);
    return state;
  }

  private async renderCase(state: CaseState, options?: CaseCardOptions): Promise<AdaptiveCard> {
    return caseCard(state, await this.deps.cases.chronology(state.id), this.deps.pack, options);
  }

  private async currentCard(actor: Actor, data: Record<string, unknown>): Promise<AdaptiveCard> {
    return this.renderCase(await this.authorisedCase(actor, data));
  }

  private async actOnCase(
    actor: Actor,
    verb: CaseVerb,
    data: Record<string, unknown>,
    log: Logger,
  ): Promise<AdaptiveCard> {
    const state = await this.authorisedCase(actor, data);
    const warn = (text: string) => ({ notice: { text, tone: 'warning' as const } });
    let command: CaseCommand;
    try {
      command = caseActions[verb].parse(data);
    } catch {
      return this.renderCase(state, warn(caseActions[verb].problem));
    }
    try {
      return this.renderCase((await this.deps.cases.act(state.id, actor, command)).state);
    } catch (err) {
      const e = toEsafetyError(err);
      if (e.code !== 'CASE_TRANSITION_REFUSED' && e.code !== 'CASE_CLOSED' && e.code !== 'CASE_CONFLICT')
        throw e;
      log.info(
        {
          event: 'case.refusedTransition',
          caseId: state.id,
          reason: typeof e.details['reason'] === 'string' ? e.details['reason'] : e.code,
        },
        'action refused',
      );
      // Show the case as it now is, with why: e.g. the DSL who won a claim race.
      const now = (await this.deps.cases.get(state.id)) ?? state;
      return this.renderCase(now, warn(e.message));
    }
  }

  /** `ref` is the activity id: support can find the matching log line (ids only) with it. */
  private errorCard(err: unknown, log: Logger, ref = ''): AdaptiveCard {
    const e = toEsafetyError(err);
    if (e.kind === 'user') {
      log.warn(
        {
          event: 'card.refused',
          code: e.code,
          caseId: typeof e.details['caseId'] === 'string' ? e.details['caseId'] : undefined,
        },
        'card action refused',
      );
      return messageCard(e.code === 'NOT_AUTHORISED' ? 'Not allowed' : 'That did not work', [e.message], {
        tone: 'attention',
        ref,
      });
    }
    log.error({ event: 'card.failed', code: e.code }, 'card action failed');
    return messageCard(
      'Something went wrong',
      ['Nothing was lost. Please try again in a moment; if it keeps happening, tell IT.'],
      {
        tone: 'attention',
        ref,
      },
    );
  }

  /** "Report this message": the report form, pre-filled from the message, in a dialog. */
  protected override handleTeamsMessagingExtensionFetchTask(
    context: TurnContext,
    action: MessagingExtensionAction,
  ): Promise<MessagingExtensionActionResponse> {
    if (action.commandId !== reportMessageCommand) return Promise.resolve({});
    const message = action.messagePayload;
    const body = message?.body?.content ?? '';
    const plain = message?.body?.contentType === 'html' ? convert(body, { wordwrap: false }) : body;
    const author = message?.from?.user?.displayName ?? 'unknown';
    const link = message?.linkToMessage?.startsWith('https://') ? message.linkToMessage.slice(0, 400) : '';
    const when = message?.createdDateTime ? ` on ${message.createdDateTime.slice(0, 10)}` : '';
    const card = reportFormCard(this.deps.pack, {
      mode: 'submit',
      source: `Reporting a message by ${author}${when}.`,
      values: {
        description: `Message from ${author}${when}:\n"${plain.slice(0, 3300)}"${link ? `\nLink: ${link}` : ''}`,
        platform: 'Microsoft Teams',
        ...(message?.createdDateTime && { occurredAt: message.createdDateTime.slice(0, 10) }),
      },
    });
    this.log.info(
      { event: 'report.fromMessage', actorId: actorOf(context)?.id, messageId: message?.id },
      'report dialog opened',
    );
    return Promise.resolve(dialog(card));
  }

  protected override async handleTeamsMessagingExtensionSubmitAction(
    context: TurnContext,
    action: MessagingExtensionAction,
  ): Promise<MessagingExtensionActionResponse> {
    const actor = actorOf(context);
    const data = (action.data ?? {}) as Record<string, unknown>;
    let card: AdaptiveCard;
    try {
      if (!actor) fail('NOT_AUTHORISED', 'Your Teams account could not be identified.');
      card = await this.submitReport(context, actor, data, 'submit');
    } catch (err) {
      card = this.errorCard(
        err,
        this.log.child({ activityId: context.activity.id }),
        context.activity.id ?? '',
      );
    }
    return dialog(card);
  }

  /** Keeps the personal conversation so the reporter can be told when their case moves. */
  private async rememberUser(context: TurnContext): Promise<void> {
    const actor = actorOf(context);
    if (!actor || context.activity.conversation.conversationType !== 'personal') return;
    await this.deps.conversations.saveUser(actor.id, TurnContext.getConversationReference(context.activity));
  }
}

/** A message-extension dialog showing a card. */
function dialog(card: AdaptiveCard): MessagingExtensionActionResponse {
  return {
    task: {
      type: 'continue',
      value: {
        title: 'Report a concern',
        height: 'large',
        width: 'medium',
        card: CardFactory.adaptiveCard(card),
      },
    },
  };
}

function actorOf(context: TurnContext): Actor | undefined {
  const from = context.activity.from;
  const id = from?.aadObjectId;
  if (!id || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return { id, ...(from.name ? { name: from.name } : {}) };
}

function parseInput<T>(schema: z.ZodType<T>, data: unknown, message: string): T {
  const r = schema.safeParse(data);
  if (!r.success) throw new EsafetyError('INPUT_INVALID', message);
  return r.data;
}
